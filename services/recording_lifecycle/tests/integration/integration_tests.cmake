# Real processes: the recording-lifecycle binary beside a real video-ingest binary fed by a real
# ffmpeg over RTMP (video-ingest's own e2e fixture starts it), events through the real relay, the
# run's PostgreSQL and s3rver (the cold tier a purge lists); the publisher's frame counter is
# clip_media's. One CTest entry: a discovered Catch2 test cannot carry both fixtures' lists.
if(SHOPCAST_BUILD_TESTS AND TARGET video-ingest AND TARGET video_ingest_e2e_fixture)
  # The frame proof (frame_proof.h): the frame the VOD shows at a marker against the frame the
  # encoder made at the sale, from video-ingest's live playlist. Also the show's (tests/e2e/).
  add_library(recording_lifecycle_frame_proof STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/frame_proof.cc)
  target_include_directories(recording_lifecycle_frame_proof PUBLIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration ${PROJECT_SOURCE_DIR}/services/video_ingest/tests)
  target_link_libraries(recording_lifecycle_frame_proof PUBLIC
    recording_lifecycle_clip_media video_ingest_e2e_fixture shopcast::testing_net absl::strings
    absl::time)
  shopcast_warnings(recording_lifecycle_frame_proof)

  add_executable(recording_lifecycle_ingest_recording_e2e_test
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/ingest_recording_test.cc)
  target_link_libraries(recording_lifecycle_ingest_recording_e2e_test PRIVATE
    recording_lifecycle_app_fixture recording_lifecycle_test_support recording_lifecycle_cutter
    recording_lifecycle_frame_proof video_ingest_e2e_fixture shopcast::clients
    shopcast::testing_wait absl::strings shopcast::testing_main)
  shopcast_warnings(recording_lifecycle_ingest_recording_e2e_test)
  target_include_directories(recording_lifecycle_ingest_recording_e2e_test PRIVATE
    ${PROJECT_SOURCE_DIR}/services/video_ingest/tests)
  target_compile_definitions(recording_lifecycle_ingest_recording_e2e_test PRIVATE
    SHOPCAST_RECORDING_LIFECYCLE_BIN="$<TARGET_FILE:recording-lifecycle>")
  add_dependencies(recording_lifecycle_ingest_recording_e2e_test recording-lifecycle video-ingest)
  add_test(NAME recording_lifecycle_ingest_recording_e2e_test
    COMMAND recording_lifecycle_ingest_recording_e2e_test --warn NoTests)
  set_tests_properties(recording_lifecycle_ingest_recording_e2e_test PROPERTIES
    LABELS e2e TIMEOUT 300
    FIXTURES_REQUIRED "shopcast_pg;recording_lifecycle_s3"
    ENVIRONMENT "SHOPCAST_TEST_PG_ENV=${SHOPCAST_TEST_PG_ENV_FILE};SHOPCAST_TEST_S3_ENV=${RECORDING_LIFECYCLE_S3_ENV_FILE}")
endif()

# The binary: migrate, serve from its environment, health, SIGTERM, a bad configuration.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME recording_lifecycle_process_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/process_test.cc
    DEPS recording_lifecycle_app_fixture shopcast::proto_health LABEL integration)
  target_compile_definitions(recording_lifecycle_process_test PRIVATE
    SHOPCAST_RECORDING_LIFECYCLE_BIN="$<TARGET_FILE:recording-lifecycle>")
  add_dependencies(recording_lifecycle_process_test recording-lifecycle)
endif()
