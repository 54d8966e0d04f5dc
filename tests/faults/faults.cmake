# The fault suite (issue 14 §3; README.md beside this file): the whole suite as real processes
# under load, attacked, with the invariants checked after each fault. CTest label `faults`;
# bounded by default, longer with SHOPCAST_FAULTS_ROUNDS.
if(SHOPCAST_BUILD_TESTS AND TARGET shopcast_suite_testing AND TARGET video_ingest_e2e_fixture)
  add_library(shopcast_faults_testing STATIC ${CMAKE_CURRENT_LIST_DIR}/fault_world.cc)
  target_include_directories(shopcast_faults_testing PUBLIC ${CMAKE_CURRENT_LIST_DIR}
    ${PROJECT_SOURCE_DIR}/services/video_ingest/tests/e2e)
  target_link_libraries(shopcast_faults_testing PUBLIC shopcast_suite_testing
    video_ingest_e2e_fixture shopcast::proto_order shopcast::proto_product_inventory
    shopcast::proto_realtime_push shopcast::proto_video_ingest shopcast::ids PkgConfig::PQXX
    gRPC::grpc++)
  target_compile_definitions(shopcast_faults_testing PRIVATE
    SHOPCAST_FAULTS_PG_CLUSTER="${PROJECT_SOURCE_DIR}/tools/pg-cluster")
  shopcast_warnings(shopcast_faults_testing)

  # shopcast_fault_test(<name> <sources>...): a Catch2 executable whose cases are CTest entries
  # labelled `faults`, on the run's PostgreSQL fixture like the e2e tests.
  function(shopcast_fault_test name)
    add_executable(${name} ${ARGN})
    target_link_libraries(${name} PRIVATE shopcast_faults_testing shopcast::testing_main)
    shopcast_warnings(${name})
    catch_discover_tests(${name} TEST_PREFIX "${name}:" EXTRA_ARGS --warn NoTests
      PROPERTIES LABELS faults FIXTURES_REQUIRED shopcast_pg TIMEOUT 300
                 ENVIRONMENT "SHOPCAST_TEST_PG_ENV=${SHOPCAST_TEST_PG_ENV_FILE}")
  endfunction()

  shopcast_fault_test(faults_sigkill_test ${CMAKE_CURRENT_LIST_DIR}/sigkill_test.cc)
  shopcast_fault_test(faults_pg_stop_test ${CMAKE_CURRENT_LIST_DIR}/pg_stop_test.cc)
endif()
