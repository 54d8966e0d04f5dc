# Sales: the notices alone, and the order service's events through whole App replicas against
# real PostgreSQL (and a real SMTP server).
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME realtime_push_sales_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/sales/sale_notices_test.cc
    DEPS realtime_push_sales LABEL unit)
endif()

if(SHOPCAST_BUILD_TESTS AND TARGET realtime_push_smtp_test_server)
  shopcast_test(NAME realtime_push_sales_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/sales/order_events_support.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/sales/order_rooms_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/sales/order_notify_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/engagement/engagement_client.cc
    DEPS realtime_push_notify_pg_support realtime_push_sales realtime_push_smtp_test_server
    LABEL pg)
endif()
