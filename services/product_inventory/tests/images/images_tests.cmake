# images: unit tests on real images made by libvips in the test (no network; the store's tests
# use a scratch folder).
if(SHOPCAST_BUILD_TESTS)
  add_library(pi_images_test_support STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/images/test_images.cc)
  target_include_directories(pi_images_test_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/images)
  target_link_libraries(pi_images_test_support PUBLIC pi_images PkgConfig::VIPS Catch2::Catch2)
  shopcast_warnings(pi_images_test_support)

  shopcast_test(NAME product_inventory_images_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/images/image_format_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/images/image_processor_test.cc
    DEPS pi_images_test_support LABEL unit)
  shopcast_test(NAME product_inventory_rendition_store_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/images/rendition_store_test.cc
    DEPS pi_images shopcast::testing_files LABEL unit)
endif()
if(SHOPCAST_BUILD_TESTS)
  # The rendition collector over a scratch folder with a stand-in for the database.
  shopcast_test(NAME product_inventory_rendition_gc_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/images/rendition_gc_test.cc
    DEPS pi_images shopcast::testing_files shopcast::testing_wait prometheus-cpp::core LABEL unit)
endif()
