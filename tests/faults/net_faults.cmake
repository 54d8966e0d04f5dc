# Issue 14's network, disk and realtime-push faults (tests/faults/net_*, disk_*, push_*): the
# whole suite (or video-ingest alone) as real processes, a fault injected under load, the
# invariants checked after. Label `faults`; each bounded for CI (SHOPCAST_FAULTS_LONG=1 runs the
# longer form by hand).
if(NOT SHOPCAST_BUILD_TESTS OR NOT TARGET shopcast_suite_testing OR
   NOT TARGET video_ingest_e2e_fixture)
  return()
endif()

# The TCP fault proxy and the clients and checks the faults share.
add_library(faults_net_support STATIC
  ${CMAKE_CURRENT_LIST_DIR}/net_proxy.cc ${CMAKE_CURRENT_LIST_DIR}/net_world.cc)
target_include_directories(faults_net_support PUBLIC ${CMAKE_CURRENT_LIST_DIR}
  ${PROJECT_SOURCE_DIR}/services/video_ingest/tests/e2e)
target_link_libraries(faults_net_support PUBLIC shopcast_suite_testing video_ingest_e2e_fixture
  shopcast::proto_product_inventory shopcast::proto_order shopcast::proto_realtime_push
  shopcast::proto_video_ingest PkgConfig::PQXX absl::synchronization absl::time Threads::Threads)
shopcast_warnings(faults_net_support)

# shopcast_fault_test(NAME <name> SOURCES ...): a Catch2 binary on the run's PostgreSQL.
function(shopcast_net_fault_test)
  cmake_parse_arguments(A "" "NAME" "SOURCES" ${ARGN})
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE faults_net_support shopcast::testing_main)
  shopcast_warnings(${A_NAME})
  catch_discover_tests(${A_NAME} TEST_PREFIX "${A_NAME}:" EXTRA_ARGS --warn NoTests
    PROPERTIES LABELS faults TIMEOUT 240 FIXTURES_REQUIRED shopcast_pg
               ENVIRONMENT "SHOPCAST_TEST_PG_ENV=${SHOPCAST_TEST_PG_ENV_FILE}")
endfunction()

shopcast_net_fault_test(NAME faults_partition_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/net_partition_fault_test.cc)
shopcast_net_fault_test(NAME faults_disk_full_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/disk_full_fault_test.cc)
shopcast_net_fault_test(NAME faults_push_outage_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/push_outage_fault_test.cc)
