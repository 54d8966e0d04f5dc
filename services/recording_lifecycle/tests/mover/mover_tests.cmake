# mover (rl-tiers): the mover and the purger against real PostgreSQL, real hot/warm folders and
# the run's real s3rver (through the fault proxy where the network must misbehave), and the
# kill -9 test: a child process running the mover, killed at random points over and over.
if(NOT SHOPCAST_BUILD_TESTS)
  return()
endif()
set(_rl_mover_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/mover)

shopcast_test(NAME recording_lifecycle_tier_set_test
  SOURCES ${_rl_mover_tests}/tier_set_test.cc
  DEPS recording_lifecycle_tiers_flags shopcast::testing_files LABEL unit)

add_library(recording_lifecycle_tier_world STATIC ${_rl_mover_tests}/tier_world.cc)
target_include_directories(recording_lifecycle_tier_world PUBLIC ${_rl_mover_tests})
target_link_libraries(recording_lifecycle_tier_world PUBLIC
  recording_lifecycle_storage recording_lifecycle_migrations recording_lifecycle_test_support
  shopcast::testing_pg shopcast::testing_files shopcast::db shopcast::events shopcast::ids
  absl::strings absl::str_format absl::time)
target_compile_definitions(recording_lifecycle_tier_world PUBLIC
  RL_TEST_S3_ENV_FILE="${RECORDING_LIFECYCLE_S3_ENV_FILE}")
shopcast_warnings(recording_lifecycle_tier_world)

# recording_lifecycle_tiers_test(NAME <name> SOURCES ... DEPS ... [TIMEOUT s]): one CTest entry
# per binary, needing both the PostgreSQL and the s3rver fixtures (a discovered Catch2 test
# cannot carry both fixtures' lists).
function(recording_lifecycle_tiers_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} recording_lifecycle_tier_world
                                          shopcast::testing_main)
  shopcast_warnings(${A_NAME})
  add_test(NAME ${A_NAME} COMMAND ${A_NAME} --warn NoTests)
  set_tests_properties(${A_NAME} PROPERTIES
    LABELS integration TIMEOUT ${A_TIMEOUT}
    FIXTURES_REQUIRED "shopcast_pg;recording_lifecycle_s3"
    ENVIRONMENT "SHOPCAST_TEST_PG_ENV=${SHOPCAST_TEST_PG_ENV_FILE};SHOPCAST_TEST_S3_ENV=${RECORDING_LIFECYCLE_S3_ENV_FILE}")
endfunction()

# (With the VOD origin: clips and thumbnails fetched from every tier they age into.)
recording_lifecycle_tiers_test(NAME recording_lifecycle_mover_pgtest
  SOURCES ${_rl_mover_tests}/mover_pgtest.cc
  DEPS recording_lifecycle_mover recording_lifecycle_playback shopcast::testing_wait
       prometheus-cpp::core)

# The crash test's child: the mover against the test's database and tiers, until killed.
add_executable(recording_lifecycle_mover_child ${_rl_mover_tests}/mover_child.cc)
target_link_libraries(recording_lifecycle_mover_child PRIVATE
  recording_lifecycle_mover recording_lifecycle_tier_world)
shopcast_warnings(recording_lifecycle_mover_child)

recording_lifecycle_tiers_test(NAME recording_lifecycle_mover_crash_test
  SOURCES ${_rl_mover_tests}/mover_crash_test.cc
  DEPS recording_lifecycle_mover shopcast::testing_wait shopcast::testing_net
  TIMEOUT 400)
target_compile_definitions(recording_lifecycle_mover_crash_test PRIVATE
  RL_MOVER_CHILD="$<TARGET_FILE:recording_lifecycle_mover_child>")
add_dependencies(recording_lifecycle_mover_crash_test recording_lifecycle_mover_child)
