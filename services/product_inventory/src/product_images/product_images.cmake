# product_images: uploads of product photos (checked, decoded and re-encoded by images/, stored
# in its rendition store), the product_images rows (migration V005) behind Product.images, and
# the rendition bytes with their cache headers for an HTTP front; the rendition collector's
# references (migration V011).
add_library(product_inventory_product_images STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/product_images/image_rows.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/product_images/product_images_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/product_images/product_images_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/product_images/product_images_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/product_images/rendition_references.cc)
target_include_directories(product_inventory_product_images PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_product_images PUBLIC
  pi_images product_inventory_catalog product_inventory_common shopcast::auth shopcast::db
  shopcast::ids shopcast::log shopcast::server shopcast::status absl::cleanup gRPC::grpc++)
shopcast_warnings(product_inventory_product_images)
