# payments: unit tests of the checks and tokens, and the simulated provider against real
# PostgreSQL (a fresh database per test with just the ledger's migration, V002, applied: the
# provider's tables stand alone, so only that file is embedded here).
# Paths are relative to this file, so the fragment works wherever it is included from.
if(SHOPCAST_BUILD_TESTS)
  set(_order_payments_tests_dir ${CMAKE_CURRENT_LIST_DIR})
  add_library(order_payments_fixture STATIC ${_order_payments_tests_dir}/payments_fixture.cc)
  target_include_directories(order_payments_fixture PUBLIC ${_order_payments_tests_dir})
  target_link_libraries(order_payments_fixture PUBLIC order_payments shopcast::testing_pg
                        Catch2::Catch2)
  shopcast_warnings(order_payments_fixture)
  set(_order_payments_migrations_cc ${CMAKE_CURRENT_BINARY_DIR}/order_payments_tests_migrations.cc)
  add_custom_command(
    OUTPUT ${_order_payments_migrations_cc}
    COMMAND ${CMAKE_COMMAND} -DOUT=${_order_payments_migrations_cc}
            -DCOMPONENT=order_payments_tests
            "-DFILES=${ORDER_PAYMENTS_MIGRATIONS}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${ORDER_PAYMENTS_MIGRATIONS}
            ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    COMMENT "Embedding the payment ledger migration for its tests"
    VERBATIM)
  target_sources(order_payments_fixture PRIVATE ${_order_payments_migrations_cc})

  shopcast_test(NAME order_payments_test
    SOURCES ${_order_payments_tests_dir}/validation_test.cc
    DEPS order_payments LABEL unit)
  shopcast_test(NAME order_payments_pgtest
    SOURCES ${_order_payments_tests_dir}/tokens_pgtest.cc
            ${_order_payments_tests_dir}/idempotency_pgtest.cc
            ${_order_payments_tests_dir}/refund_pgtest.cc
            ${_order_payments_tests_dir}/settle_pgtest.cc
            ${_order_payments_tests_dir}/concurrency_pgtest.cc
            ${_order_payments_tests_dir}/totals_pgtest.cc
    DEPS order_payments_fixture LABEL pg)
endif()
