# images: product photos decoded and re-encoded with libvips (formats sniffed, limits checked
# from the header before decoding, metadata stripped, sizes for the web app), a content-addressed
# file store for the renditions and the headers they are served with. No database, no gRPC.
pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips>=8.13)
# libwebp comes with libvips-dev; used directly to write WebP without metadata.
pkg_check_modules(WEBP REQUIRED IMPORTED_TARGET libwebp)
add_library(pi_images STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/content_hash.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/image_format.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/image_processor.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/rendition_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/serving_headers.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/vips_runtime.cc)
target_include_directories(pi_images PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(pi_images
  PUBLIC shopcast::status absl::status absl::statusor absl::strings absl::synchronization
  PRIVATE PkgConfig::VIPS PkgConfig::WEBP OpenSSL::Crypto)
shopcast_warnings(pi_images)
