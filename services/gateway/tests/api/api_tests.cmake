# The JSON API, edge auth and rate limits: unit tests, the handler against real user and
# product-inventory processes, and the JSON → proto fuzz target's replay.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME gateway_api_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/api_test.cc
    DEPS gateway_api gateway_limits LABEL unit)
endif()

# The handler against real user and product-inventory processes.
if(SHOPCAST_BUILD_TESTS AND TARGET user AND TARGET product-inventory)
  shopcast_test(NAME gateway_api_integration_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/api_integration_test.cc
    DEPS gateway_api gateway_auth gateway_limits shopcast::auth_testing shopcast::clients
         shopcast::testing_pg shopcast::testing_net shopcast::testing_files shopcast::testing_wait
         shopcast::ids
    LABEL integration)
  target_compile_definitions(gateway_api_integration_test PRIVATE
    SHOPCAST_USER_BIN="$<TARGET_FILE:user>"
    SHOPCAST_PRODUCT_INVENTORY_BIN="$<TARGET_FILE:product-inventory>")
  add_dependencies(gateway_api_integration_test user product-inventory)
endif()
