# queue: the pure rules alone (unit), and the whole App over real PostgreSQL (pg): FIFO offers
# under hundreds of concurrent Enqueues on two replicas, claim windows with an injected clock,
# claims, leaving, cancellations, limits, the invariant, Reserve's refusal, the bad-input
# table, the room events in the outbox, Product.queue in the catalogue's reads and cards, and the
# offer's notification in the outbox.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME product_inventory_queue_rules_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/queue/queue_rules_test.cc
    DEPS product_inventory_queue_rules LABEL unit)
endif()
if(SHOPCAST_BUILD_TESTS AND TARGET product_inventory_app_fixture)
  shopcast_test(NAME product_inventory_queue_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/queue/queue_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/queue/queue_concurrency_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/queue/queue_bad_input_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/queue/queue_read_pgtest.cc
    DEPS product_inventory_app_fixture LABEL pg)
  target_include_directories(product_inventory_queue_pgtest PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests)
endif()
if(SHOPCAST_BUILD_TESTS AND TARGET product_inventory_app_fixture)
  # A real realtime-push binary (its process fixture) receiving an offer's notification.
  shopcast_test(NAME product_inventory_queue_notify_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/queue/queue_notify_test.cc
    DEPS product_inventory_app_fixture realtime_push_process_fixture LABEL integration)
  target_include_directories(product_inventory_queue_notify_test PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  add_dependencies(product_inventory_queue_notify_test realtime-push)
endif()
