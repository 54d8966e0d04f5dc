# The whole App: start, serve, stop; config loading.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_config_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/config_test.cc
    DEPS product_inventory_app LABEL unit)
  shopcast_test(NAME product_inventory_app_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/app_pgtest.cc
    DEPS product_inventory_app_fixture LABEL pg)
endif()
