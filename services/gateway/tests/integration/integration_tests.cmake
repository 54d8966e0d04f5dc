# The gateway binary itself (child processes): web root, gRPC health and GatewayService, drain.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME gateway_process_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/gateway_process_test.cc
    DEPS shopcast::proto_gateway shopcast::proto_health shopcast::http_files_testing
         shopcast::testing_net shopcast::testing_files shopcast::testing_wait
    LABEL integration)
  target_compile_definitions(gateway_process_test PRIVATE
    SHOPCAST_GATEWAY_BIN="$<TARGET_FILE:gateway>")
  add_dependencies(gateway_process_test gateway)
endif()
