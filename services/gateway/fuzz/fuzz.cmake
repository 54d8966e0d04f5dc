# libFuzzer target for what the HTTP server parses itself (request ids, X-Forwarded-For, address
# blocks, targets and routing, web paths, origins). Built with clang by the fuzz preset
# (cmake --preset fuzz); in the normal build replayed over its seed corpus instead.
set(GATEWAY_FUZZ_SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/src/http/request_rules.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/web/web_files.cc)
if(SHOPCAST_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # The code under test is compiled in so it carries the coverage instrumentation.
  add_executable(gateway_request_rules_fuzz
                 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/request_rules_fuzz.cc ${GATEWAY_FUZZ_SOURCES})
  target_link_libraries(gateway_request_rules_fuzz PRIVATE
    gateway_contracts shopcast::log OpenSSL::Crypto absl::strings absl::random_random)
  target_compile_options(gateway_request_rules_fuzz PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(gateway_request_rules_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  shopcast_warnings(gateway_request_rules_fuzz)
endif()
if(SHOPCAST_BUILD_TESTS)
  add_executable(gateway_request_rules_fuzz_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/request_rules_fuzz.cc)
  target_link_libraries(gateway_request_rules_fuzz_replay PRIVATE gateway_http gateway_web)
  shopcast_warnings(gateway_request_rules_fuzz_replay)
  add_test(NAME gateway_request_rules_fuzz_replay
           COMMAND gateway_request_rules_fuzz_replay
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/request_rules_fuzz)
  set_tests_properties(gateway_request_rules_fuzz_replay PROPERTIES LABELS unit)
endif()
