# image_http: the image origin — rendition files served over HTTP (GET/HEAD, cache headers,
# 304, ranges) on libs/http_files' bounded server. No database, no gRPC.
add_library(product_inventory_image_http STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/image_http/image_handler.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/image_http/image_path.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/image_http/image_server.cc)
target_include_directories(product_inventory_image_http PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_image_http
  PUBLIC pi_images shopcast::http_files absl::status absl::statusor
  PRIVATE shopcast::log shopcast::status absl::strings)
shopcast_warnings(product_inventory_image_http)

# The request-target parser as a libFuzzer target (fuzz/image_target_fuzz.cc), built with clang
# by the fuzz preset; in the normal build it is replayed over its seed corpus instead.
set(PI_IMAGE_HTTP_FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/src/image_http/fuzz)
if(SHOPCAST_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # The parser compiled in, so it carries the coverage instrumentation.
  add_executable(image_target_fuzz ${PI_IMAGE_HTTP_FUZZ_DIR}/image_target_fuzz.cc
                                   ${CMAKE_CURRENT_SOURCE_DIR}/src/image_http/image_path.cc)
  target_include_directories(image_target_fuzz PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(image_target_fuzz PRIVATE pi_images absl::strings)
  target_compile_options(image_target_fuzz PRIVATE -fsanitize=fuzzer,address,undefined
                                                   -fno-sanitize-recover=undefined
                                                   -fno-omit-frame-pointer)
  target_link_options(image_target_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  shopcast_warnings(image_target_fuzz)
endif()

if(SHOPCAST_BUILD_TESTS)
  add_executable(product_inventory_image_target_fuzz_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                                                            ${PI_IMAGE_HTTP_FUZZ_DIR}/image_target_fuzz.cc)
  target_link_libraries(product_inventory_image_target_fuzz_replay PRIVATE
                        product_inventory_image_http)
  shopcast_warnings(product_inventory_image_target_fuzz_replay)
  add_test(NAME product_inventory_image_target_fuzz_replay
           COMMAND product_inventory_image_target_fuzz_replay ${PI_IMAGE_HTTP_FUZZ_DIR}/corpus)
  set_tests_properties(product_inventory_image_target_fuzz_replay PROPERTIES LABELS unit)
endif()
