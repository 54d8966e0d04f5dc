# The whole App: start, serve, stop; config loading.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_config_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/config_test.cc
    DEPS product_inventory_app LABEL unit)
  shopcast_test(NAME product_inventory_room_sink_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/room_publish_sink_test.cc
    DEPS product_inventory_common LABEL unit)
  shopcast_test(NAME product_inventory_app_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/app_pgtest.cc
    DEPS product_inventory_app_fixture LABEL pg)
  # The binary itself: configured from the environment, SIGTERM drains and exits 0; SIGKILL
  # between hold and commit loses no stock.
  shopcast_test(NAME product_inventory_process_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/process_test.cc
    DEPS shopcast::proto_health shopcast::proto_product_inventory shopcast::auth_testing
         shopcast::clients shopcast::testing_pg shopcast::testing_files shopcast::testing_wait
         PkgConfig::PQXX
    LABEL integration)
  target_compile_definitions(product_inventory_process_test PRIVATE
    SHOPCAST_PRODUCT_INVENTORY_BIN="$<TARGET_FILE:product-inventory>")
  add_dependencies(product_inventory_process_test product-inventory)
endif()
