# checkout: PlaceOrder's saga (lock -> authorize -> commit -> capture, or void/release), its
# recovery, GetOrder and ListOrders.
add_library(order_checkout STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/checkout.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/checkout_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/grpc_inventory.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/order_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/order_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/recovery.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/saga.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/shipping.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/checkout/validation.cc)
target_include_directories(order_checkout PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(order_checkout PUBLIC
  order_common order_payments order_access shopcast::proto_order
  shopcast::proto_product_inventory shopcast::auth
  shopcast::clients shopcast::db shopcast::events shopcast::ids shopcast::log
  shopcast::pagetoken shopcast::server shopcast::status shopcast::text shopcast::timing
  prometheus-cpp::core gRPC::grpc++)
shopcast_warnings(order_checkout)
