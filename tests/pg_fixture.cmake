# One throwaway PostgreSQL per test run: `pg_start` brings it up before any test that requires
# the shopcast_pg fixture (shopcast_test gives it to pg/integration/e2e tests) and writes its
# admin DSN to SHOPCAST_TEST_PG_ENV_FILE; `pg_stop` removes it after the last of them.
set(_shopcast_pg_data ${CMAKE_BINARY_DIR}/test-pg/data)
set(_shopcast_pg_cmd ${CMAKE_CURRENT_SOURCE_DIR}/pg_fixture.sh)
set(_shopcast_pg_args ${PROJECT_SOURCE_DIR}/tools/pg-cluster ${_shopcast_pg_data}
    ${SHOPCAST_TEST_PG_ENV_FILE})

add_test(NAME pg_start COMMAND ${_shopcast_pg_cmd} start ${_shopcast_pg_args})
set_tests_properties(pg_start PROPERTIES FIXTURES_SETUP shopcast_pg LABELS pg TIMEOUT 120)

add_test(NAME pg_stop COMMAND ${_shopcast_pg_cmd} stop ${_shopcast_pg_args})
set_tests_properties(pg_stop PROPERTIES FIXTURES_CLEANUP shopcast_pg LABELS pg TIMEOUT 120)
