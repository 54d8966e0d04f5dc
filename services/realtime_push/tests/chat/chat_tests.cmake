# Chat: the pure rules as unit tests; the RPCs against real PostgreSQL through whole replicas.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME realtime_push_chat_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/chat/chat_rules_test.cc
    DEPS realtime_push_chat LABEL unit)
  shopcast_test(NAME realtime_push_chat_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/chat/chat_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/chat/chat_bad_input_pgtest.cc
    DEPS realtime_push_app_fixture LABEL pg)
endif()
