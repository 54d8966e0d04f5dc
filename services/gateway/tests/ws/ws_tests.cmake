# The WebSocket hub's tests. Included from services/gateway/CMakeLists.txt.
shopcast_test(NAME gateway_ws_frames_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/ws/frames_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/ws/compact_time_test.cc
  DEPS gateway_ws_frames shopcast::status
  LABEL unit)

shopcast_test(NAME gateway_ws_wire_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/ws/wire_test.cc
  DEPS gateway_ws_frames
  LABEL unit)

# Against a real realtime-push process (its binary and process fixture) on this run's PostgreSQL.
if(SHOPCAST_BUILD_TESTS AND TARGET realtime-push AND TARGET realtime_push_process_fixture)
  add_library(gateway_ws_test_support STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/ws/ws_support.cc)
  target_include_directories(gateway_ws_test_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/ws)
  target_link_libraries(gateway_ws_test_support PUBLIC
    gateway_ws realtime_push_process_fixture shopcast::proto_video_ingest shopcast::auth
    shopcast::clients shopcast::ids shopcast::testing_wait shopcast::testing_files Catch2::Catch2)
  shopcast_warnings(gateway_ws_test_support)

  shopcast_test(NAME gateway_ws_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/ws/hub_test.cc
    DEPS gateway_ws_test_support
    LABEL integration)
  add_dependencies(gateway_ws_test realtime-push)

  # The session's other paths (frame budget, per-user limits, notifications from the user
  # service's followers, token expiry, hostile frames); the user service runs in-process.
  if(TARGET user_test_fixture)
    shopcast_test(NAME gateway_ws_session_paths_test
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/ws/session_paths_test.cc
      DEPS gateway_ws_test_support gateway_limits user_test_fixture PkgConfig::PQXX
      LABEL integration)
    add_dependencies(gateway_ws_session_paths_test realtime-push)
  endif()

  shopcast_test(NAME gateway_ws_lean_transport_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/ws/lean_transport_test.cc
    DEPS gateway_ws_test_support
    LABEL integration)
endif()
