# access: the pass rules (unit) and buying passes through the App with scripted peers (pg).
# The end to end test with real video-ingest is tests/integration/order_access_pass_test.cc.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME order_access_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/access/pass_rules_test.cc
    DEPS order_access order_checkout LABEL unit)
  shopcast_test(NAME order_access_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/access/pass_checkout_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/access/fake_streams.cc
    DEPS order_app_fixture LABEL pg)
  if(TARGET order_access_pgtest)
    target_include_directories(order_access_pgtest PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/access)
  endif()
endif()
