# Auctions through whole App replicas over real PostgreSQL: proxy bidding and increments, the
# seller, anti-sniping and sudden death, buy-now, hundreds of concurrent bids against the rules'
# outcome, closing by itself (across a restart, never twice on two replicas), the room events,
# the winner's hold (by timer, buy-now, reserve not met, Reserve refused meanwhile, stream end)
# and notice (AUCTION_WON, in the close's transaction; its text is a unit test), the OUTBID for
# a lead lost (in the bid's transaction; its text too), and the bad-input table.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_won_notice_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/won_notice_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/outbid_notice_test.cc
    DEPS product_inventory_auctions LABEL unit)
  shopcast_test(NAME product_inventory_auctions_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/auction_client.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/auctions_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/auctions_close_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/auctions_bad_input_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/auctions_concurrency_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/auction_hold_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions/auction_guard_pgtest.cc
    DEPS product_inventory_app_fixture LABEL pg)
  target_include_directories(product_inventory_auctions_pgtest PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/auctions)
endif()
