# Lotteries through whole App replicas over real PostgreSQL: hundreds of concurrent entries,
# the draw on time (across a restart, once on two replicas), the audit recomputed, units set
# aside and given back under the invariant, coalesced room events, and the bad-input table.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_lottery_won_notice_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/lottery/won_notice_test.cc
    DEPS product_inventory_lottery LABEL unit)
endif()
if(SHOPCAST_BUILD_TESTS AND TARGET product_inventory_app_fixture)
  shopcast_test(NAME product_inventory_lottery_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/lottery/lottery_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/lottery/lottery_bad_input_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/lottery/lottery_cancel_pgtest.cc
    DEPS product_inventory_app_fixture pi_lottery_rules LABEL pg)
  target_include_directories(product_inventory_lottery_pgtest PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/lottery)
endif()
