# The in-process App fixture every recording-lifecycle pg and integration test builds on.
if(SHOPCAST_BUILD_TESTS)
  add_library(recording_lifecycle_app_fixture STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/app_fixture.cc)
  target_include_directories(recording_lifecycle_app_fixture PUBLIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(recording_lifecycle_app_fixture PUBLIC
    recording_lifecycle_app shopcast::auth_testing shopcast::testing_pg shopcast::testing_net
    shopcast::testing_files shopcast::testing_wait shopcast::proto_rpc_status
    shopcast::proto_order shopcast::proto_video_ingest Catch2::Catch2 PkgConfig::PQXX)
  shopcast_warnings(recording_lifecycle_app_fixture)
endif()
