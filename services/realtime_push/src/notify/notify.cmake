# notify: per-user inboxes (Notify, List, MarkRead, SubscribeNotifications), the go-live
# fan-out over the user service's followers, and the e-mail outbox. Included from
# services/realtime_push/CMakeLists.txt, so paths are relative to that folder.
add_library(realtime_push_notify STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/account_mail.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/email_pg_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/email_sender.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/fanout.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/fanout_pg_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/inbox_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/inbox_subscribe_reactor.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/notification.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/notify_area.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/notify_hub.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/notify_metrics.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/notify_service.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/notify_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/notify/personal.cc)
target_include_directories(realtime_push_notify PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(realtime_push_notify PUBLIC
  realtime_push_rooms realtime_push_clients realtime_push_mail shopcast::auth shopcast::text
  shopcast::server shopcast::db shopcast::ids shopcast::log shopcast::status shopcast::timing
  prometheus-cpp::core gRPC::grpc++ absl::flat_hash_map absl::flat_hash_set
  absl::synchronization)
shopcast_warnings(realtime_push_notify)
