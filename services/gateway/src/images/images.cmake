# images: /images/<key> (product renditions) proxied to product-inventory's image origin, over
# the HLS area's asynchronous upstream client (src/hls/upstream_client.h).
# Included from services/gateway/CMakeLists.txt, so paths are relative to that folder.

add_library(gateway_images_key STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/images/image_key.cc)
target_include_directories(gateway_images_key PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
shopcast_warnings(gateway_images_key)

add_library(gateway_images STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/image_metrics.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/image_proxy.cc)
target_include_directories(gateway_images PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(gateway_images
  PUBLIC gateway_contracts gateway_images_key absl::status absl::time
  PRIVATE gateway_hls gateway_api_core shopcast::log absl::strings prometheus-cpp::core
          Threads::Threads)
shopcast_warnings(gateway_images)
