# policies (rl-tiers): the evaluator and validation (unit); the policy RPCs, the aging pass and
# its dry run, and 1,000 recordings aged through every tier (real PostgreSQL, tiers and s3rver).
shopcast_test(NAME recording_lifecycle_policy_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/policies/policy_test.cc
  DEPS recording_lifecycle_policies LABEL unit)

if(SHOPCAST_BUILD_TESTS)
  recording_lifecycle_tiers_test(NAME recording_lifecycle_policies_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/policies/policies_pgtest.cc
    DEPS recording_lifecycle_policies shopcast::testing_wait)
  recording_lifecycle_tiers_test(NAME recording_lifecycle_aging_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/policies/aging_pgtest.cc
    DEPS recording_lifecycle_policies shopcast::testing_wait TIMEOUT 400)
endif()

if(SHOPCAST_BUILD_TESTS)
  recording_lifecycle_tiers_test(NAME recording_lifecycle_tiers_rpcs_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/policies/tiers_rpcs_test.cc
    DEPS recording_lifecycle_policies)
endif()
