# The JSON API, edge auth and rate limits: unit tests, the handler against real user and
# product-inventory processes, and the JSON → proto fuzz target's replay.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME gateway_api_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/api/api_test.cc
    DEPS gateway_api gateway_limits LABEL unit)
endif()
