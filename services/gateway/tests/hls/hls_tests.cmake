# hls: the proxy's path rules (unit), the proxy in front of a scripted origin on loopback, and
# the proxy in front of a real video-ingest process fed by ffmpeg, played by ffprobe.
# Included from services/gateway/CMakeLists.txt, so paths are relative to that folder.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME gateway_hls_target_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_target_test.cc
    DEPS gateway_hls LABEL unit)

  add_library(gateway_hls_harness STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/proxy_harness.cc)
  target_include_directories(gateway_hls_harness PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls)
  target_link_libraries(gateway_hls_harness PUBLIC
    gateway_contracts Catch2::Catch2 absl::strings absl::synchronization absl::time
    Threads::Threads)
  shopcast_warnings(gateway_hls_harness)

  shopcast_test(NAME gateway_hls_proxy_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_proxy_test.cc
    DEPS gateway_hls gateway_hls_harness prometheus-cpp::core LABEL integration)

  # Routes from a scripted LookupStreams (an in-process gRPC service) to scripted origins.
  shopcast_test(NAME gateway_hls_routes_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_routes_test.cc
    DEPS gateway_hls gateway_hls_harness prometheus-cpp::core shopcast::testing_wait
    LABEL integration)

  if(TARGET video_ingest_e2e_fixture)
    shopcast_test(NAME gateway_hls_ingest_e2e_test
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_ingest_e2e_test.cc
      DEPS gateway_hls gateway_hls_harness video_ingest_e2e_fixture shopcast::auth_testing
           shopcast::clients prometheus-cpp::core
      LABEL e2e)
    target_include_directories(gateway_hls_ingest_e2e_test PRIVATE
      ${PROJECT_SOURCE_DIR}/services/video_ingest/tests/e2e)
    add_dependencies(gateway_hls_ingest_e2e_test video-ingest)
  endif()
endif()
