# The realtime-push binary as processes: replicas sharing rooms, and the go-live path from a
# real video-ingest binary fed by a real encoder.
if(SHOPCAST_BUILD_TESTS)
  add_library(realtime_push_process_fixture STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/process_fixture.cc)
  target_include_directories(realtime_push_process_fixture PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(realtime_push_process_fixture PUBLIC
    shopcast::proto_realtime_push shopcast::auth_testing shopcast::clients shopcast::testing_pg
    shopcast::testing_files shopcast::testing_net shopcast::testing_wait Catch2::Catch2)
  target_compile_definitions(realtime_push_process_fixture PRIVATE
    SHOPCAST_REALTIME_PUSH_BIN="$<TARGET_FILE:realtime-push>")
  shopcast_warnings(realtime_push_process_fixture)

  shopcast_test(NAME realtime_push_replicas_process_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/replicas_process_test.cc
    DEPS realtime_push_process_fixture realtime_push_app_fixture LABEL integration)
  add_dependencies(realtime_push_replicas_process_test realtime-push)
endif()

if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME realtime_push_go_live_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/go_live_e2e_test.cc
    DEPS realtime_push_process_fixture realtime_push_app_fixture video_ingest_e2e_fixture
    LABEL e2e)
  target_include_directories(realtime_push_go_live_e2e_test PRIVATE
    ${PROJECT_SOURCE_DIR}/services/video_ingest/tests)
  add_dependencies(realtime_push_go_live_e2e_test realtime-push video-ingest)
endif()

if(SHOPCAST_BUILD_TESTS)
  # A measurement ('[latency]', hidden from ctest's default run): commit-to-room latency.
  add_executable(realtime_push_latency_test
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/commit_to_room_latency_test.cc)
  target_link_libraries(realtime_push_latency_test PRIVATE
    realtime_push_app_fixture shopcast::events shopcast::testing_main)
  shopcast_warnings(realtime_push_latency_test)
endif()

if(SHOPCAST_BUILD_TESTS AND TARGET realtime_push_smtp_test_server)
  # Followers of a host that goes live: user service + video-ingest + realtime-push + SMTP.
  shopcast_test(NAME realtime_push_followers_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/followers_e2e_test.cc
    DEPS realtime_push_process_fixture realtime_push_app_fixture video_ingest_e2e_fixture
         user_test_fixture realtime_push_smtp_test_server
    LABEL e2e)
  target_include_directories(realtime_push_followers_e2e_test PRIVATE
    ${PROJECT_SOURCE_DIR}/services/video_ingest/tests ${PROJECT_SOURCE_DIR}/services/user/tests)
  add_dependencies(realtime_push_followers_e2e_test realtime-push video-ingest)
endif()
