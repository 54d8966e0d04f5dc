# lottery_rules: the draw against the reference's vectors, Verify, tampering, fairness.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_lottery_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/lottery_rules/draw_test.cc
    DEPS pi_lottery_rules LABEL unit)
endif()
