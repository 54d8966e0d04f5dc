# sales: the pure rules and the summary's assembly (unit); the RPCs through the App, and the
# queries' plans on 50,000 orders (pg).
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME order_sales_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/sales/rules_test.cc
    DEPS order_sales_rules LABEL unit)

  add_library(order_sales_support STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/sales/sales_support.cc)
  target_include_directories(order_sales_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(order_sales_support PUBLIC
    order_common shopcast::proto_order shopcast::proto_rpc_status shopcast::ids
    PkgConfig::PQXX gRPC::grpc++)
  shopcast_warnings(order_sales_support)

  shopcast_test(NAME order_sales_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/sales/sales_pgtest.cc
    DEPS order_app_fixture order_sales_support LABEL pg)
  shopcast_test(NAME order_sales_indexes_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/sales/indexes_pgtest.cc
    DEPS order_app_fixture order_sales_support LABEL pg)
endif()
