# Pins: the list rules as unit tests; the RPCs, the room events in the outbox, concurrency
# across replicas and the stream_ended clear against real PostgreSQL through whole App replicas.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_pins_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/pins/pin_list_test.cc
    DEPS product_inventory_pins_rules LABEL unit)
  shopcast_test(NAME product_inventory_pins_config_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/pins/pins_config_test.cc
    DEPS product_inventory_app LABEL unit)
  shopcast_test(NAME product_inventory_pins_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/pins/pins_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/pins/pins_bad_input_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/pins/pins_concurrency_pgtest.cc
    DEPS product_inventory_app_fixture LABEL pg)
  target_include_directories(product_inventory_pins_pgtest PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/pins ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog)
endif()

# A real realtime-push binary (its process fixture) showing the pins to subscribed viewers.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_room_pins_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/pins/room_pins_test.cc
    DEPS product_inventory_app_fixture realtime_push_process_fixture LABEL integration)
  target_include_directories(product_inventory_room_pins_test PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/pins ${CMAKE_CURRENT_SOURCE_DIR}/tests/catalog)
  add_dependencies(product_inventory_room_pins_test realtime-push)
endif()
