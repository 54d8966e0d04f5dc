# Flash-sale benchmarks of the product-inventory stock engine (tools/bench/flash_sale/README.md);
# run them through run.sh. Need pi_stock (services/product_inventory/src/stock).
if(TARGET pi_stock)
  set(_flash_sale ${CMAKE_CURRENT_LIST_DIR})
  # The stock engine's migrations alone (PI_STOCK_ENGINE_MIGRATIONS, set by
  # services/product_inventory): the naive baseline's database and the library-level mode.
  set(_flash_sale_mig ${CMAKE_CURRENT_BINARY_DIR}/product_inventory_stock_bench_migrations.cc)
  add_custom_command(
    OUTPUT ${_flash_sale_mig}
    COMMAND ${CMAKE_COMMAND} -DOUT=${_flash_sale_mig} -DCOMPONENT=product_inventory_stock_bench
            "-DFILES=${PI_STOCK_ENGINE_MIGRATIONS}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${PI_STOCK_ENGINE_MIGRATIONS}
            ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    VERBATIM)
  add_library(flash_sale_common STATIC ${_flash_sale}/naive_engine.cc ${_flash_sale}/scratch.cc
                                       ${_flash_sale_mig})
  target_include_directories(flash_sale_common PUBLIC ${_flash_sale})
  target_link_libraries(flash_sale_common PUBLIC bench_common pi_stock absl::strings)
  shopcast_warnings(flash_sale_common)

  # Library level: the engine called in-process (run.sh --library).
  add_executable(flash_sale_bench ${_flash_sale}/flash_sale_bench.cc)
  target_link_libraries(flash_sale_bench PRIVATE flash_sale_common absl::flags absl::flags_parse
                                                 absl::strings)
  shopcast_warnings(flash_sale_bench)

  # The naive and the empty Reserve servers.
  add_executable(flash_sale_baseline_server ${_flash_sale}/baseline_server.cc)
  target_link_libraries(flash_sale_baseline_server PRIVATE flash_sale_common
                        shopcast::proto_product_inventory shopcast::auth absl::flags
                        absl::flags_parse absl::synchronization)
  shopcast_warnings(flash_sale_baseline_server)

  # Through gRPC: the real binary, the naive server, the empty call (run.sh's default).
  if(TARGET bench_services)
    add_executable(flash_sale_grpc_bench ${_flash_sale}/grpc_bench.cc ${_flash_sale}/grpc_load.cc)
    target_link_libraries(flash_sale_grpc_bench PRIVATE flash_sale_common bench_services
                          shopcast::proto_product_inventory shopcast::auth shopcast::testing_net
                          absl::flags absl::flags_parse absl::strings absl::synchronization)
    shopcast_warnings(flash_sale_grpc_bench)
  endif()
endif()
