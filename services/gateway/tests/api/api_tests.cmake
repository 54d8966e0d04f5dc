# The JSON API, edge auth and rate limits: unit tests, the handler against real user and
# product-inventory processes, and the JSON → proto fuzz target's replay.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME gateway_api_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/api_test.cc
    DEPS gateway_api gateway_limits shopcast::testing_wait LABEL unit)
endif()

# The handler against real user and product-inventory processes.
if(SHOPCAST_BUILD_TESTS AND TARGET user AND TARGET product-inventory)
  shopcast_test(NAME gateway_api_integration_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/api_integration_test.cc
    DEPS gateway_api gateway_auth gateway_limits shopcast::auth_testing shopcast::clients
         shopcast::testing_pg shopcast::testing_net shopcast::testing_files shopcast::testing_wait
         shopcast::ids
    LABEL integration)
  target_compile_definitions(gateway_api_integration_test PRIVATE
    SHOPCAST_USER_BIN="$<TARGET_FILE:user>"
    SHOPCAST_PRODUCT_INVENTORY_BIN="$<TARGET_FILE:product-inventory>")
  add_dependencies(gateway_api_integration_test user product-inventory)

  # The edge access check's key cache against a real user process (restarted with a new key).
  shopcast_test(NAME gateway_access_check_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/access_check_test.cc
    DEPS gateway_auth shopcast::auth_testing shopcast::clients shopcast::testing_pg
         shopcast::testing_net shopcast::testing_files shopcast::testing_wait shopcast::ids
    LABEL integration)
  target_compile_definitions(gateway_access_check_test PRIVATE
    SHOPCAST_USER_BIN="$<TARGET_FILE:user>")
  add_dependencies(gateway_access_check_test user)
endif()

# The JSON → proto fuzz target (src/api/fuzz/): a libFuzzer binary in the fuzz preset, its seed
# corpus replayed in the normal build, and a bounded libFuzzer run where clang is available.
set(GATEWAY_JSON_FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/src/api/fuzz)
if(SHOPCAST_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # json.cc compiled in so it carries the coverage instrumentation.
  add_executable(gateway_json_to_proto_fuzz ${GATEWAY_JSON_FUZZ_DIR}/json_to_proto_fuzz.cc
                                            ${CMAKE_CURRENT_SOURCE_DIR}/src/api/json.cc)
  target_include_directories(gateway_json_to_proto_fuzz PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(gateway_json_to_proto_fuzz PRIVATE shopcast::proto_user
    shopcast::proto_product_inventory shopcast::proto_order shopcast::proto_gateway
    shopcast::status shopcast::text absl::strings)
  target_compile_options(gateway_json_to_proto_fuzz PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(gateway_json_to_proto_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  shopcast_warnings(gateway_json_to_proto_fuzz)
endif()
if(SHOPCAST_BUILD_TESTS)
  add_executable(gateway_json_to_proto_fuzz_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                                                   ${GATEWAY_JSON_FUZZ_DIR}/json_to_proto_fuzz.cc)
  target_link_libraries(gateway_json_to_proto_fuzz_replay PRIVATE gateway_api_core)
  shopcast_warnings(gateway_json_to_proto_fuzz_replay)
  add_test(NAME gateway_json_to_proto_fuzz_replay
           COMMAND gateway_json_to_proto_fuzz_replay ${GATEWAY_JSON_FUZZ_DIR}/corpus/json_to_proto_fuzz)
  set_tests_properties(gateway_json_to_proto_fuzz_replay PROPERTIES LABELS unit)
  find_program(SHOPCAST_CLANGXX NAMES clang++-14 clang++)
  if(SHOPCAST_CLANGXX)
    add_test(NAME gateway_json_fuzz_bounded COMMAND ${GATEWAY_JSON_FUZZ_DIR}/run-bounded)
    set_tests_properties(gateway_json_fuzz_bounded PROPERTIES LABELS fuzz TIMEOUT 900)
  endif()
endif()
