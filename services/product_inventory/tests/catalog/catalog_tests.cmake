# The catalogue: its rules as unit tests; its RPCs against real PostgreSQL through whole App
# replicas; a product dropped in a stream reaching a real realtime-push room.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_catalog_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog/catalog_rules_test.cc
    DEPS product_inventory_catalog_rules LABEL unit)
  shopcast_test(NAME product_inventory_catalog_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog/catalog_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog/catalog_bad_input_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog/catalog_concurrency_pgtest.cc
    DEPS product_inventory_app_fixture LABEL pg)
  target_include_directories(product_inventory_catalog_pgtest PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog)
  # A real realtime-push binary (its process fixture) receiving the room events.
  shopcast_test(NAME product_inventory_room_events_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog/room_events_test.cc
    DEPS product_inventory_app_fixture realtime_push_process_fixture LABEL integration)
  target_include_directories(product_inventory_room_events_test PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog)
  add_dependencies(product_inventory_room_events_test realtime-push)
endif()
