# recordings: the events' reading and the request rules (unit); events applied, duplicates,
# out-of-order segments, the RPCs with their access rules, bad-input tables and pagination (pg).
shopcast_test(NAME recording_lifecycle_recordings_rules_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/recordings/stream_events_test.cc
  DEPS recording_lifecycle_recordings_rules shopcast::ids
  LABEL unit)
shopcast_test(NAME recording_lifecycle_recordings_pgtest
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/recordings/events_pgtest.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/recordings/rpcs_pgtest.cc
  DEPS recording_lifecycle_app_fixture
  LABEL pg)
# The App with real tiers (hot and warm folders, the run's s3rver): the purger woken by a
# DELETE, SetPrimaryThumbnail's full view, clips and thumbnails aged and still served.
if(SHOPCAST_BUILD_TESTS)
  recording_lifecycle_tiers_test(NAME recording_lifecycle_app_tiers_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/recordings/app_tiers_pgtest.cc
    DEPS recording_lifecycle_app_fixture shopcast::testing_wait)
endif()
