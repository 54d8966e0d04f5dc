# Real processes: the recording-lifecycle binary beside a real video-ingest binary fed by a real
# ffmpeg over RTMP (video-ingest's own e2e fixture starts it), events through the real relay.
if(SHOPCAST_BUILD_TESTS AND TARGET video-ingest AND TARGET video_ingest_e2e_fixture)
  shopcast_test(NAME recording_lifecycle_ingest_recording_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/ingest_recording_test.cc
    DEPS recording_lifecycle_app_fixture video_ingest_e2e_fixture shopcast::clients
         shopcast::testing_wait
    LABEL e2e)
  target_include_directories(recording_lifecycle_ingest_recording_e2e_test PRIVATE
    ${PROJECT_SOURCE_DIR}/services/video_ingest/tests)
  target_compile_definitions(recording_lifecycle_ingest_recording_e2e_test PRIVATE
    SHOPCAST_RECORDING_LIFECYCLE_BIN="$<TARGET_FILE:recording-lifecycle>")
  add_dependencies(recording_lifecycle_ingest_recording_e2e_test recording-lifecycle video-ingest)
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
