# Test support: the s3rver CTest fixture (one S3-compatible server per test run, from tools/s3)
# and the helpers tests use with it (the fault proxy, the server's address).
if(NOT SHOPCAST_BUILD_TESTS)
  return()
endif()

set(RECORDING_LIFECYCLE_S3_ENV_FILE ${CMAKE_BINARY_DIR}/test-s3/env)
set(_rl_s3_args ${PROJECT_SOURCE_DIR}/tools/s3 ${CMAKE_BINARY_DIR}/test-s3/run
    ${RECORDING_LIFECYCLE_S3_ENV_FILE})
add_test(NAME recording_lifecycle_s3_start
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/s3_fixture.sh start ${_rl_s3_args})
set_tests_properties(recording_lifecycle_s3_start PROPERTIES
  FIXTURES_SETUP recording_lifecycle_s3 LABELS integration TIMEOUT 300)
add_test(NAME recording_lifecycle_s3_stop
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/s3_fixture.sh stop ${_rl_s3_args})
set_tests_properties(recording_lifecycle_s3_stop PROPERTIES
  FIXTURES_CLEANUP recording_lifecycle_s3 LABELS integration TIMEOUT 60)

add_library(recording_lifecycle_test_support STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/fault_proxy.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/s3_env.cc)
target_include_directories(recording_lifecycle_test_support PUBLIC
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/support)
target_link_libraries(recording_lifecycle_test_support PUBLIC
  recording_lifecycle_storage absl::strings absl::synchronization Threads::Threads)
shopcast_warnings(recording_lifecycle_test_support)

# recording_lifecycle_s3_test(NAME <name> SOURCES ... DEPS ...): a Catch2 binary whose test
# cases run against the run's s3rver (label integration; no PostgreSQL).
function(recording_lifecycle_s3_test)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} recording_lifecycle_test_support
                                          shopcast::testing_main)
  shopcast_warnings(${A_NAME})
  catch_discover_tests(${A_NAME} TEST_PREFIX "${A_NAME}:" EXTRA_ARGS --warn NoTests
    PROPERTIES LABELS integration FIXTURES_REQUIRED recording_lifecycle_s3
               ENVIRONMENT "SHOPCAST_TEST_S3_ENV=${RECORDING_LIFECYCLE_S3_ENV_FILE}")
endfunction()
