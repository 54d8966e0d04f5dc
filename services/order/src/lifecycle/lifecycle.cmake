# lifecycle: what happens to an order after checkout (CancelOrder, MarkOrderShipped,
# RefundOrder), the remote work of cancels and refunds (void, release, refund, return stock)
# and its recovery.
add_library(order_lifecycle STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lifecycle/lifecycle.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lifecycle/lifecycle_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lifecycle/lifecycle_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lifecycle/lifecycle_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/lifecycle/rules.cc)
target_include_directories(order_lifecycle PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(order_lifecycle PUBLIC
  order_common order_checkout order_payments shopcast::proto_order shopcast::auth
  shopcast::db shopcast::events shopcast::ids shopcast::log shopcast::server shopcast::status
  shopcast::text shopcast::timing prometheus-cpp::core gRPC::grpc++)
shopcast_warnings(order_lifecycle)
