# Checkout end to end against the real product-inventory and order binaries (checkout/README.md);
# run it through checkout/run.sh. Not a test: nothing here is added to CTest.
if(TARGET bench_services AND TARGET flash_sale_common AND TARGET shopcast::proto_order)
  set(_checkout ${CMAKE_CURRENT_LIST_DIR})
  add_executable(checkout_bench ${_checkout}/checkout_bench.cc ${_checkout}/checkout_load.cc
                                ${_checkout}/order_process.cc)
  # flash_sale_common: its stock audit (flash_sale/scratch.h).
  target_link_libraries(checkout_bench PRIVATE bench_services flash_sale_common
                        shopcast::proto_order shopcast::proto_product_inventory
                        shopcast::testing_net absl::flags absl::flags_parse absl::strings
                        absl::str_format)
  shopcast_warnings(checkout_bench)
endif()
