# auctions: StartAuction, PlaceBid (proxy bids, anti-sniping), BuyNow, CloseAuction and the
# reads, over PostgreSQL with the auction's row lock serializing its changes; the closer that
# ends auctions on time on exactly one replica (SKIP LOCKED); the winner's AUCTION_WON notice
# and the outbid bidder's OUTBID.
# The rules themselves are auctions_rules' pure functions; the store and RPCs run in the App's
# pg tests.
add_library(product_inventory_auctions STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/auction_closer.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/auction_guard.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/auction_model.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/auction_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/auction_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/auction_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/lot_notice.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/outbid_notice.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/auctions/won_notice.cc)
target_include_directories(product_inventory_auctions PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_auctions PUBLIC
  pi_auction_rules product_inventory_catalog_rules product_inventory_common shopcast::auth
  shopcast::db shopcast::log shopcast::money shopcast::pagetoken shopcast::server shopcast::text
  absl::synchronization gRPC::grpc++)
shopcast_warnings(product_inventory_auctions)
