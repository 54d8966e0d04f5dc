# Flash-sale benchmark of the stock engine (tools/bench/flash_sale/README.md). Needs pi_stock
# (services/product_inventory/src/stock); run it through run.sh.
if(TARGET pi_stock)
  set(_flash_sale ${CMAKE_CURRENT_LIST_DIR})
  add_executable(flash_sale_bench ${_flash_sale}/flash_sale_bench.cc ${_flash_sale}/naive_engine.cc)
  target_include_directories(flash_sale_bench PRIVATE ${_flash_sale})
  target_link_libraries(flash_sale_bench PRIVATE pi_stock absl::flags absl::flags_parse
                                                 absl::strings)
  shopcast_warnings(flash_sale_bench)
  # The stock migration alone (it has no dependency on the rest of the schema).
  set(_flash_sale_mig ${CMAKE_CURRENT_BINARY_DIR}/product_inventory_stock_bench_migrations.cc)
  add_custom_command(
    OUTPUT ${_flash_sale_mig}
    COMMAND ${CMAKE_COMMAND} -DOUT=${_flash_sale_mig} -DCOMPONENT=product_inventory_stock_bench
            "-DFILES=${PROJECT_SOURCE_DIR}/services/product_inventory/migrations/V002__stock.sql"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${PROJECT_SOURCE_DIR}/services/product_inventory/migrations/V002__stock.sql
            ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    VERBATIM)
  target_sources(flash_sale_bench PRIVATE ${_flash_sale_mig})
endif()
