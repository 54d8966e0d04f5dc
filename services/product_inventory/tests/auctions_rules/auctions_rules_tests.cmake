# auctions_rules: table-driven and property tests of the pure auction rules.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_auction_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions_rules/increment_table_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions_rules/auction_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions_rules/auction_property_test.cc
    DEPS pi_auction_rules LABEL unit)
endif()
