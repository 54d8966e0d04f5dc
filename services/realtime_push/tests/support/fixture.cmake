# The in-process App fixture every realtime-push pg test builds on (tests/support/app_fixture.h).
if(SHOPCAST_BUILD_TESTS)
  add_library(realtime_push_app_fixture STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/app_fixture.cc)
  target_include_directories(realtime_push_app_fixture PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(realtime_push_app_fixture PUBLIC
    realtime_push_app shopcast::auth_testing shopcast::testing_pg shopcast::testing_net
    shopcast::testing_files shopcast::testing_wait Catch2::Catch2)
  shopcast_warnings(realtime_push_app_fixture)
endif()
