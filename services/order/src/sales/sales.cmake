# sales: GetStreamSales and GetSellerStats, read from the orders and their lines (V005's
# indexes); pure rules and the summary's assembly apart so they unit-test alone.
add_library(order_sales_rules STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/rules.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/summary.cc)
target_include_directories(order_sales_rules PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(order_sales_rules PUBLIC
  order_common shopcast::proto_order shopcast::auth shopcast::ids shopcast::status)
shopcast_warnings(order_sales_rules)

add_library(order_sales STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/sales.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/sales_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/sales_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/sales_store.cc)
target_include_directories(order_sales PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(order_sales PUBLIC
  order_sales_rules order_common shopcast::proto_order shopcast::auth shopcast::db
  shopcast::pagetoken shopcast::server shopcast::status prometheus-cpp::core gRPC::grpc++)
shopcast_warnings(order_sales)
