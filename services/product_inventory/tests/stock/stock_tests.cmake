# stock: unit tests of input checks, and the engine against real PostgreSQL (a fresh database
# per test with PI_STOCK_ENGINE_MIGRATIONS applied; they stand alone, so only they are embedded
# here).
if(SHOPCAST_BUILD_TESTS)
  add_library(pi_stock_fixture STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/stock_fixture.cc)
  target_include_directories(pi_stock_fixture PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock)
  target_link_libraries(pi_stock_fixture PUBLIC pi_stock shopcast::testing_pg
                        shopcast::testing_wait Catch2::Catch2)
  shopcast_warnings(pi_stock_fixture)
  set(_pi_stock_migrations_cc ${CMAKE_CURRENT_BINARY_DIR}/product_inventory_stock_tests_migrations.cc)
  add_custom_command(
    OUTPUT ${_pi_stock_migrations_cc}
    COMMAND ${CMAKE_COMMAND} -DOUT=${_pi_stock_migrations_cc}
            -DCOMPONENT=product_inventory_stock_tests
            "-DFILES=${PI_STOCK_ENGINE_MIGRATIONS}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${PI_STOCK_ENGINE_MIGRATIONS}
            ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    COMMENT "Embedding the stock migrations for their tests"
    VERBATIM)
  target_sources(pi_stock_fixture PRIVATE ${_pi_stock_migrations_cc})

  shopcast_test(NAME pi_stock_validation_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/validation_test.cc
    DEPS pi_stock LABEL unit)
  shopcast_test(NAME pi_stock_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/reserve_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/hold_lifecycle_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/batcher_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/concurrency_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/flash_sale_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/checkout_lock_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/grant_hold_pgtest.cc
    DEPS pi_stock_fixture LABEL pg)
endif()

# The stock area through the whole App (tests/support): gRPC in, PostgreSQL underneath.
if(SHOPCAST_BUILD_TESTS AND TARGET product_inventory_app_fixture)
  shopcast_test(NAME product_inventory_stock_app_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/stock_app_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/stock/flash_sale_app_pgtest.cc
    DEPS product_inventory_app_fixture LABEL pg)
endif()
