# catalog: product types and their parameter schemas, shipping profiles, products (validation,
# price rules, optimistic concurrency, room events) and their RPCs. The rules are pure
# (schema, pricing, product_rules, shipping_rules) and unit-tested; the store and RPCs run in
# the App's pg tests.
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)

add_library(product_inventory_catalog_rules STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/catalog/pricing.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/catalog/product_rules.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/catalog/schema.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/catalog/shipping_rules.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/catalog/violations.cc)
target_include_directories(product_inventory_catalog_rules PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_catalog_rules PUBLIC
  shopcast::proto_product_inventory shopcast::ids shopcast::status shopcast::text
  absl::strings absl::time PkgConfig::RE2 pi_auction_rules)
shopcast_warnings(product_inventory_catalog_rules)

add_library(product_inventory_catalog STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/catalog/catalog_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/catalog/catalog_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/catalog/catalog_store.cc)
target_include_directories(product_inventory_catalog PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_catalog PUBLIC
  product_inventory_catalog_rules product_inventory_common shopcast::auth shopcast::db
  shopcast::pagetoken shopcast::server gRPC::grpc++)
shopcast_warnings(product_inventory_catalog)
