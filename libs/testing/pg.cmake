# TestDatabase: a fresh database per test on the run's PostgreSQL (tests/pg_fixture.cmake).
add_library(shopcast_testing_pg STATIC src/pg.cc)
add_library(shopcast::testing_pg ALIAS shopcast_testing_pg)
target_include_directories(shopcast_testing_pg PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(shopcast_testing_pg PUBLIC PkgConfig::PQXX)
shopcast_warnings(shopcast_testing_pg)

shopcast_test(NAME testing_pg_pgtest SOURCES tests/pg_pgtest.cc DEPS shopcast::testing_pg
  LABEL pg)
