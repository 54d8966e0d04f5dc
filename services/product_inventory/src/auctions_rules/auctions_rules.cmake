# auctions_rules: the auction's pure rules (increment table, proxy bids, anti-sniping, buy-now,
# close outcome) over plain values; the auctions area applies them inside its transactions.
add_library(pi_auction_rules STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions_rules/auction.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions_rules/increment_table.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions_rules/money.cc)
target_include_directories(pi_auction_rules PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(pi_auction_rules PUBLIC
  shopcast::status absl::status absl::statusor absl::strings absl::time)
shopcast_warnings(pi_auction_rules)
