# Checkout against a real product-inventory process (its binary, database and credentials).
if(SHOPCAST_BUILD_TESTS AND TARGET product-inventory)
  shopcast_test(NAME order_pi_checkout_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/pi_checkout_test.cc
    DEPS order_app_fixture shopcast::proto_product_inventory shopcast::testing_files
    LABEL integration)
  # product-inventory's own process-test world (starting its binary, making a product).
  target_include_directories(order_pi_checkout_test PRIVATE
    ${PROJECT_SOURCE_DIR}/services)
  target_compile_definitions(order_pi_checkout_test PRIVATE
    SHOPCAST_PRODUCT_INVENTORY_BIN="$<TARGET_FILE:product-inventory>")
  add_dependencies(order_pi_checkout_test product-inventory)
endif()

# The binary: started from its environment, health, SIGTERM.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME order_process_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/process_test.cc
    DEPS order_app_fixture shopcast::proto_health shopcast::testing_files LABEL integration)
  target_compile_definitions(order_process_test PRIVATE SHOPCAST_ORDER_BIN="$<TARGET_FILE:order>")
  add_dependencies(order_process_test order)
endif()

# A sale reaching a room: the order App relaying to a real realtime-push process (its binary,
# started by realtime-push's own process fixture), a viewer subscribed to the room.
if(SHOPCAST_BUILD_TESTS AND TARGET realtime-push AND TARGET realtime_push_process_fixture)
  shopcast_test(NAME order_sale_ticker_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/sale_ticker_test.cc
    DEPS order_app_fixture order_sales_support realtime_push_process_fixture
      shopcast::proto_video_ingest shopcast::clients shopcast::testing_wait
    LABEL integration)
  add_dependencies(order_sale_ticker_test realtime-push)
endif()
