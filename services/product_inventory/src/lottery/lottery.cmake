# lottery: StartLottery, EnterLottery, GetLottery, ListLotteries, DrawLottery, CancelLottery
# over PostgreSQL (migrations/V008, V010): units set aside from the stock at start, entries once per user under the
# lottery's share lock, the drawer that draws on time on exactly one replica (SKIP LOCKED), the
# coalesced entry-count room events, the guard that keeps a running lottery's product and units
# (LotteryGuard), stream end. The draw itself is lottery_rules' pure function.
add_library(product_inventory_lottery STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lottery/entry_events.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lottery/lottery_drawer.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lottery/lottery_guard.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lottery/lottery_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lottery/lottery_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lottery/lottery_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lottery/won_notice.cc)
target_include_directories(product_inventory_lottery PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_lottery PUBLIC
  pi_lottery_rules pi_stock product_inventory_common shopcast::auth shopcast::db shopcast::log
  shopcast::money shopcast::pagetoken shopcast::server shopcast::text absl::synchronization
  gRPC::grpc++)
shopcast_warnings(product_inventory_lottery)
