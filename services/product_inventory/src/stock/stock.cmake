# stock: the stock engine — stock rows and holds (migrations/V002), Reserve through a per-product
# group-commit batcher, release/commit/return, the expiry sweeper. A library with a plain C++
# API; the app's gRPC handlers call it. Link `pi_stock` and add stock::sql::PreparedStatements()
# to the pool's prepared list.
add_library(pi_stock STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/expiry_sweeper.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/reserve_batcher.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/stock_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/stock_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/stock_tx.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/validation.cc)
target_include_directories(pi_stock PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(pi_stock PUBLIC
  shopcast::db shopcast::ids shopcast::log shopcast::status shopcast::text shopcast::timing
  absl::flat_hash_map absl::status absl::statusor absl::strings absl::time absl::cord
  Threads::Threads)
shopcast_warnings(pi_stock)

# The catalogue's seam (common/hooks.h), once the service skeleton provides it.
if(TARGET product_inventory_common)
  add_library(pi_stock_hooks STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/catalog_stock_hooks.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/stock_proto.cc)
  target_link_libraries(pi_stock_hooks PUBLIC pi_stock product_inventory_common)
  shopcast_warnings(pi_stock_hooks)
endif()

# The service's side of the stock area (the App links it): the RPCs, the coalesced room
# announcements, and the hooks that start a product's stock with its own rules.
if(TARGET product_inventory_common)
  add_library(pi_stock_service STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/auction_hold_hooks.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/flash_sale_validation.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/product_stock_hooks.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/stock_events.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/stock_rpcs.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/stock/stock_wire_sql.cc)
  target_link_libraries(pi_stock_service PUBLIC
    pi_stock pi_stock_hooks product_inventory_common product_inventory_catalog_rules
    shopcast::server shopcast::auth
    shopcast::pagetoken)
  shopcast_warnings(pi_stock_service)
endif()
