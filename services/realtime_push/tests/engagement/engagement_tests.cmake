# Engagement: the per-minute series alone, and reactions, presence and stats through whole App
# replicas against real PostgreSQL.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME realtime_push_stats_series_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/engagement/stats_series_test.cc
    DEPS realtime_push_engagement LABEL unit)
  shopcast_test(NAME realtime_push_engagement_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/engagement/engagement_client.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/engagement/reactions_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/engagement/presence_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/engagement/stats_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/engagement/bad_input_pgtest.cc
    DEPS realtime_push_app_fixture LABEL pg)
endif()
