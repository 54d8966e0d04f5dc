# Warning flags for project code only (generated and third-party code is exempt).
function(shopcast_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wcast-align -Wunused -Woverloaded-virtual)
  if(SHOPCAST_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# shopcast_library(NAME <name> SOURCES ... DEPS ...)
# A library under libs/<name> with public headers in include/shopcast/<name>/.
function(shopcast_library)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(shopcast_${A_NAME} ${A_SOURCES})
  add_library(shopcast::${A_NAME} ALIAS shopcast_${A_NAME})
  target_include_directories(shopcast_${A_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(shopcast_${A_NAME} PUBLIC ${A_DEPS})
  shopcast_warnings(shopcast_${A_NAME})
endfunction()

# shopcast_test(NAME <name> SOURCES ... DEPS ... LABEL unit|pg|integration|e2e)
# A Catch2 test binary; each TEST_CASE becomes a CTest test carrying LABEL.
# Tests labelled pg/integration/e2e get the per-run PostgreSQL fixture.
function(shopcast_test)
  cmake_parse_arguments(A "" "NAME;LABEL" "SOURCES;DEPS" ${ARGN})
  if(NOT SHOPCAST_BUILD_TESTS)
    return()
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} shopcast::testing_main)
  shopcast_warnings(${A_NAME})
  set(props LABELS ${A_LABEL})
  if(A_LABEL STREQUAL "pg" OR A_LABEL STREQUAL "integration" OR A_LABEL STREQUAL "e2e")
    # One variable only: catch_discover_tests cannot carry a list-valued ENVIRONMENT.
    list(APPEND props FIXTURES_REQUIRED shopcast_pg
         ENVIRONMENT "SHOPCAST_TEST_PG_ENV=${SHOPCAST_TEST_PG_ENV_FILE}")
  endif()
  # --warn NoTests: a CTest entry whose filter matches no test case (a name CTest or Catch2's
  # test-spec parser mangled) fails instead of passing with nothing run.
  catch_discover_tests(${A_NAME} TEST_PREFIX "${A_NAME}:" EXTRA_ARGS --warn NoTests
                       PROPERTIES ${props})
endfunction()

# shopcast_embed_migrations(<target> <dir> <component>)
# Compiles the numbered SQL files in <dir> into <target> so a binary carries its own schema.
# Defines `const shopcast::db::MigrationSet& <component>Migrations()` in namespace shopcast::db::embedded.
function(shopcast_embed_migrations target dir component)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/V*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${component}_migrations.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DCOMPONENT=${component} "-DFILES=${sql_files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    COMMENT "Embedding ${component} migrations"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
  target_link_libraries(${target} PUBLIC shopcast::db)
endfunction()
