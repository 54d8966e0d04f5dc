# product_images: uploads, listing, serving and deletion through whole App replicas over real
# PostgreSQL, with real images made by libvips (tests/images/test_images.*); the rendition
# collector over a replica's folder and database; IMAGE_UPLOADS_BUSY; the flags.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_product_images_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/product_images/product_images_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/product_images/product_images_bad_input_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/product_images/rendition_gc_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/product_images/uploads_busy_pgtest.cc
    DEPS product_inventory_app_fixture pi_images_test_support LABEL pg)
  target_include_directories(product_inventory_product_images_pgtest PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  shopcast_test(NAME product_inventory_product_images_config_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/product_images/product_images_config_test.cc
    DEPS product_inventory_app LABEL unit)
endif()
