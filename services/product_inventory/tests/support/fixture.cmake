# The in-process App fixture every product-inventory pg test builds on (tests/support/app_fixture.h).
if(SHOPCAST_BUILD_TESTS)
  add_library(product_inventory_app_fixture STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/app_fixture.cc)
  target_include_directories(product_inventory_app_fixture PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(product_inventory_app_fixture PUBLIC
    product_inventory_app shopcast::auth_testing shopcast::testing_pg shopcast::testing_net
    shopcast::testing_files shopcast::testing_wait Catch2::Catch2 PkgConfig::PQXX)
  shopcast_warnings(product_inventory_app_fixture)
endif()
