# queue: hot-item queues (migrations/V007). Pure rules (queue_rules) unit-tested alone; the
# store, the advancer that offers freed units FIFO on exactly one replica (SKIP LOCKED), the
# coalesced length announcements and the RPCs run in the App's pg tests. Offers are holds the
# stock area grants (stock::tx::GrantHold), so it links the stock engine.
add_library(product_inventory_queue_rules STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/queue/offer_notice.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/queue/queue_rules.cc)
target_include_directories(product_inventory_queue_rules PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_queue_rules PUBLIC
  shopcast::proto_product_inventory shopcast::proto_realtime_push shopcast::status
  shopcast::text absl::status absl::statusor absl::strings absl::time)
shopcast_warnings(product_inventory_queue_rules)

add_library(product_inventory_queue STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/queue/offer_hold.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/queue/queue_advancer.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/queue/queue_events.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/queue/queue_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/queue/queue_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/queue/queue_store.cc)
target_include_directories(product_inventory_queue PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_queue PUBLIC
  product_inventory_queue_rules product_inventory_common pi_stock shopcast::auth shopcast::db
  shopcast::ids shopcast::log shopcast::server absl::synchronization absl::flat_hash_set
  gRPC::grpc++)
shopcast_warnings(product_inventory_queue)
