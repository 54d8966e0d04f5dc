# The fault test (issue 10 §6): the real order and product-inventory binaries, SIGKILLed and
# restarted under concurrent checkouts; both databases checked afterwards. Bounded by default;
# SHOPCAST_FAULT_RUNS (and _KILLS, _BUYERS, _SEED) for the long form (fault_test.cc).
if(SHOPCAST_BUILD_TESTS AND TARGET product-inventory)
  shopcast_test(NAME order_fault_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/faults/fault_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/faults/fault_world.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/faults/buyers.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/faults/books.cc
    DEPS order_app_fixture shopcast::proto_product_inventory shopcast::testing_files
    LABEL integration)
  # product-inventory's process-test world (its binary, credentials, a product).
  target_include_directories(order_fault_test PRIVATE ${PROJECT_SOURCE_DIR}/services)
  target_compile_definitions(order_fault_test PRIVATE
    SHOPCAST_PRODUCT_INVENTORY_BIN="$<TARGET_FILE:product-inventory>"
    SHOPCAST_ORDER_BIN="$<TARGET_FILE:order>")
  add_dependencies(order_fault_test product-inventory order)
endif()
