# markers: the pure mapping and the events' reading (unit); markers through the EventSink on a
# real database, placed late and early, out of order (pg).
shopcast_test(NAME recording_lifecycle_placement_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/markers/placement_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/markers/marker_events_test.cc
  DEPS recording_lifecycle_markers_rules shopcast::ids
  LABEL unit)
shopcast_test(NAME recording_lifecycle_markers_pgtest
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/markers/markers_pgtest.cc
  DEPS recording_lifecycle_app_fixture
  LABEL pg)
