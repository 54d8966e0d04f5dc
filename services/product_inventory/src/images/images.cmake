# images: product photos decoded and re-encoded with libvips (formats sniffed, limits checked
# from the header before decoding, metadata stripped, sizes for the web app), a content-addressed
# file store for the renditions and the headers they are served with, and the collector of
# unreferenced rendition files (references through an interface). No database, no gRPC.
pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips>=8.13)
# libwebp comes with libvips-dev; used directly to write WebP without metadata.
pkg_check_modules(WEBP REQUIRED IMPORTED_TARGET libwebp)
add_library(pi_images STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/content_hash.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/image_format.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/image_processor.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/rendition_gc.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/rendition_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/rendition_sweeper.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/serving_headers.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/images/vips_runtime.cc)
target_include_directories(pi_images PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(pi_images
  PUBLIC shopcast::status shopcast::timing absl::status absl::statusor absl::strings
         absl::synchronization absl::flat_hash_set absl::time
  PRIVATE shopcast::log prometheus-cpp::core PkgConfig::VIPS PkgConfig::WEBP OpenSSL::Crypto)
shopcast_warnings(pi_images)

# The upload path as a libFuzzer target (fuzz/image_decode_fuzz.cc), built with clang by the fuzz
# preset; in the normal build it is replayed over its seed corpus instead, and fuzz/run-bounded
# runs it for a bounded time as the CTest test product_inventory_image_fuzz_bounded.
set(PI_IMAGES_FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/src/images/fuzz)
if(SHOPCAST_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # The library's sources compiled in, so they carry the coverage instrumentation.
  get_target_property(pi_images_sources pi_images SOURCES)
  add_executable(image_decode_fuzz ${PI_IMAGES_FUZZ_DIR}/image_decode_fuzz.cc ${pi_images_sources})
  target_include_directories(image_decode_fuzz PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(image_decode_fuzz PRIVATE
    shopcast::status shopcast::timing shopcast::log absl::status absl::statusor absl::strings
    absl::synchronization absl::flat_hash_set absl::time prometheus-cpp::core
    PkgConfig::VIPS PkgConfig::WEBP OpenSSL::Crypto)
  target_compile_options(image_decode_fuzz PRIVATE -fsanitize=fuzzer,address,undefined
                                                   -fno-sanitize-recover=undefined
                                                   -fno-omit-frame-pointer)
  target_link_options(image_decode_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  shopcast_warnings(image_decode_fuzz)
endif()

if(SHOPCAST_BUILD_TESTS)
  add_executable(product_inventory_image_fuzz_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                                                     ${PI_IMAGES_FUZZ_DIR}/image_decode_fuzz.cc)
  target_link_libraries(product_inventory_image_fuzz_replay PRIVATE pi_images)
  shopcast_warnings(product_inventory_image_fuzz_replay)
  add_test(NAME product_inventory_image_fuzz_replay
           COMMAND product_inventory_image_fuzz_replay ${PI_IMAGES_FUZZ_DIR}/corpus)
  set_tests_properties(product_inventory_image_fuzz_replay PROPERTIES LABELS unit)

  find_program(SHOPCAST_CLANGXX NAMES clang++-14 clang++)
  if(SHOPCAST_CLANGXX)
    execute_process(COMMAND ${SHOPCAST_CLANGXX} -print-resource-dir
                    OUTPUT_VARIABLE pi_clang_resource_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE pi_clang_rc ERROR_QUIET)
    if(pi_clang_rc EQUAL 0 AND EXISTS
       "${pi_clang_resource_dir}/lib/linux/libclang_rt.fuzzer-${CMAKE_SYSTEM_PROCESSOR}.a")
      add_test(NAME product_inventory_image_fuzz_bounded COMMAND ${PI_IMAGES_FUZZ_DIR}/run-bounded)
      set_tests_properties(product_inventory_image_fuzz_bounded PROPERTIES LABELS fuzz TIMEOUT 900)
    endif()
  endif()
endif()
