# The lifecycle: its rules (unit), cancels/shipments/refunds through the App with scripted
# peers (pg), and against a real product-inventory process (integration).
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME order_lifecycle_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/lifecycle/rules_test.cc
    DEPS order_lifecycle LABEL unit)
  shopcast_test(NAME order_lifecycle_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/lifecycle/lifecycle_pgtest.cc
    DEPS order_app_fixture LABEL pg)
endif()

if(SHOPCAST_BUILD_TESTS AND TARGET product-inventory)
  shopcast_test(NAME order_pi_lifecycle_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/lifecycle/pi_lifecycle_test.cc
    DEPS order_app_fixture shopcast::proto_product_inventory shopcast::testing_files
    LABEL integration)
  # product-inventory's own process-test world (starting its binary, making a product).
  target_include_directories(order_pi_lifecycle_test PRIVATE ${PROJECT_SOURCE_DIR}/services)
  target_compile_definitions(order_pi_lifecycle_test PRIVATE
    SHOPCAST_PRODUCT_INVENTORY_BIN="$<TARGET_FILE:product-inventory>")
  add_dependencies(order_pi_lifecycle_test product-inventory)
endif()
