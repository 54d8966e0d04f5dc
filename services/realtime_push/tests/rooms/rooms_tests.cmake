# Rooms against real PostgreSQL and real gRPC clients.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME realtime_push_rooms_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/rooms/room_log_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rooms/batch_append_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rooms/subscribe_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rooms/stream_events_pgtest.cc
    DEPS realtime_push_app_fixture LABEL pg)
endif()
