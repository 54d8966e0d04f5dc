add_library(product_inventory_app STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/app.cc ${CMAKE_CURRENT_SOURCE_DIR}/src/app/config.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/event_sink_service.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/internal_service.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/public_service.cc)
target_include_directories(product_inventory_app PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_app PUBLIC
  product_inventory_common shopcast::server shopcast::clients shopcast::auth shopcast::config
  shopcast::events shopcast::pagetoken shopcast::startup absl::flags
  # ---- area libraries (one line each) ----
  product_inventory_catalog
  product_inventory_pins
  product_inventory_auctions
  product_inventory_product_images
  product_inventory_image_http
  pi_stock_service
  product_inventory_lottery
  product_inventory_queue)
shopcast_warnings(product_inventory_app)

add_executable(product-inventory ${CMAKE_CURRENT_SOURCE_DIR}/src/main.cc)
target_link_libraries(product-inventory PRIVATE product_inventory_app)
shopcast_warnings(product-inventory)
