add_library(order_app STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/app.cc ${CMAKE_CURRENT_SOURCE_DIR}/src/app/config.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/internal_service.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/public_service.cc)
target_include_directories(order_app PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(order_app PUBLIC
  order_common order_migrations shopcast::server shopcast::clients shopcast::auth
  shopcast::config shopcast::events shopcast::pagetoken shopcast::startup absl::flags
  # ---- area libraries (one line each) ----
  order_payments
  order_access
  order_checkout
  order_lifecycle
  order_sales)
shopcast_warnings(order_app)

add_executable(order ${CMAKE_CURRENT_SOURCE_DIR}/src/main.cc)
target_link_libraries(order PRIVATE order_app)
shopcast_warnings(order)
