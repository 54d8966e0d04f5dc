# pins: the products a host pins in their stream (ordered, limited by max_pins), announced to
# the room with every change and cleared when video-ingest says the stream ended. The list
# rules are pure (pin_list) and unit-tested; the store and RPCs run in the App's pg tests.
add_library(product_inventory_pins_rules STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/pins/pin_list.cc)
target_include_directories(product_inventory_pins_rules PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_pins_rules PUBLIC shopcast::status absl::strings absl::time)
shopcast_warnings(product_inventory_pins_rules)

add_library(product_inventory_pins STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/pins/pins_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/pins/pins_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/pins/pins_store.cc)
target_include_directories(product_inventory_pins PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_pins PUBLIC
  product_inventory_pins_rules product_inventory_common shopcast::auth shopcast::db
  shopcast::ids shopcast::server gRPC::grpc++)
shopcast_warnings(product_inventory_pins)
