# The in-process App fixture and peer doubles every order test builds on (tests/support).
if(SHOPCAST_BUILD_TESTS)
  add_library(order_app_fixture STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/app_fixture.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/doubles.cc)
  target_include_directories(order_app_fixture PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(order_app_fixture PUBLIC
    order_app shopcast::auth_testing shopcast::testing_pg shopcast::testing_net
    shopcast::testing_files shopcast::testing_wait Catch2::Catch2 PkgConfig::PQXX)
  shopcast_warnings(order_app_fixture)
endif()
