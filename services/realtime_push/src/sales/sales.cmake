# sales: the order service's events (EventSink, "order.*") as the room's sale ticker, the
# stream's sales in RoomStats and the seller's and buyer's notifications. Included from
# services/realtime_push/CMakeLists.txt, so paths are relative to that folder.
add_library(realtime_push_sales STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/order_events.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/sale_notices.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/sales/sales_sql.cc)
target_include_directories(realtime_push_sales PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(realtime_push_sales PUBLIC
  realtime_push_rooms realtime_push_notify shopcast::proto_order shopcast::log shopcast::money
  shopcast::status absl::strings absl::str_format)
shopcast_warnings(realtime_push_sales)
