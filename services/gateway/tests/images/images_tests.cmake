# images: the key rules (unit), the proxy in front of misbehaving loopback origins (the HLS tests'
# scripted origin, a refused port, a silent one), and the gateway binary in front of real user
# and product-inventory processes (upload through the JSON API, every rendition through
# /images/). Included from services/gateway/CMakeLists.txt, so paths are relative to that folder.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME gateway_images_key_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/images/image_key_test.cc
    DEPS gateway_images_key LABEL unit)

  shopcast_test(NAME gateway_images_proxy_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/images/image_proxy_test.cc
    DEPS gateway_images gateway_hls_harness nlohmann_json::nlohmann_json prometheus-cpp::core
    LABEL integration)
endif()

if(SHOPCAST_BUILD_TESTS AND TARGET user AND TARGET product-inventory AND
   TARGET pi_images_test_support)
  shopcast_test(NAME gateway_images_integration_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/images/images_integration_test.cc
    DEPS gateway_images gateway_hls_harness pi_images_test_support
         shopcast::auth_testing shopcast::http_files_testing shopcast::ids shopcast::testing_pg
         shopcast::testing_net shopcast::testing_files shopcast::testing_wait
         nlohmann_json::nlohmann_json prometheus-cpp::core OpenSSL::Crypto absl::strings
    LABEL integration)
  target_compile_definitions(gateway_images_integration_test PRIVATE
    SHOPCAST_USER_BIN="$<TARGET_FILE:user>"
    SHOPCAST_PRODUCT_INVENTORY_BIN="$<TARGET_FILE:product-inventory>"
    SHOPCAST_GATEWAY_BIN="$<TARGET_FILE:gateway>")
  add_dependencies(gateway_images_integration_test user product-inventory gateway)
endif()
