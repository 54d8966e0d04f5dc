# Notifications: unit tests with fakes (fan-out, e-mail sender, field rules) and the whole App
# against real PostgreSQL and a real SMTP server.
if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME realtime_push_notify_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/fanout_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/email_sender_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/notification_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/account_mail_test.cc
    DEPS realtime_push_notify LABEL unit)
endif()

if(SHOPCAST_BUILD_TESTS)
  add_library(realtime_push_notify_pg_support STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/notify_pg_support.cc)
  target_include_directories(realtime_push_notify_pg_support PUBLIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(realtime_push_notify_pg_support PUBLIC
    realtime_push_app_fixture realtime_push_notify shopcast::proto_video_ingest)
  shopcast_warnings(realtime_push_notify_pg_support)

  shopcast_test(NAME realtime_push_notify_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/inbox_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/golive_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/email_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/preference_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/notify/account_mail_pgtest.cc
    DEPS realtime_push_notify_pg_support realtime_push_smtp_test_server LABEL pg)
endif()
