# access: reading the gating and pass events (unit); a gated show's replay through the App's
# EventSink, RPCs and VOD origin (pg).
shopcast_test(NAME recording_lifecycle_access_rules_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/access/access_events_test.cc
  DEPS recording_lifecycle_access_rules shopcast::ids shopcast::status
  LABEL unit)
shopcast_test(NAME recording_lifecycle_access_pgtest
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/access/access_pgtest.cc
  DEPS recording_lifecycle_app_fixture
  LABEL pg)
