# The checkout: pure rules (unit) and the saga through the App with scripted peers (pg).
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME order_checkout_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/checkout/rules_test.cc
    DEPS order_checkout LABEL unit)
  shopcast_test(NAME order_saga_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/checkout/saga_pgtest.cc
    DEPS order_app_fixture LABEL pg)
endif()
