# image_http: the request-target parser (unit), and the image origin of a whole App replica over
# real PostgreSQL: uploads through gRPC, the listed URLs fetched over real HTTP.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_image_http_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/image_http/image_path_test.cc
    DEPS product_inventory_image_http LABEL unit)
  shopcast_test(NAME product_inventory_image_http_config_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/image_http/image_http_config_test.cc
    DEPS product_inventory_app LABEL unit)
  shopcast_test(NAME product_inventory_image_http_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/image_http/image_http_pgtest.cc
    DEPS product_inventory_app_fixture pi_images_test_support shopcast::http_files_testing
         prometheus-cpp::core
    LABEL pg)
endif()
