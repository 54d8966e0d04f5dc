# chat: SendChat, moderation (delete, mute, ban) and history; each message is a row in
# chat_messages and a chat_message event in its room's log, written in one transaction.
add_library(realtime_push_chat STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/chat/chat_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/chat/chat_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/chat/chat_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/chat/rate_limit.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/chat/text_rules.cc)
target_include_directories(realtime_push_chat PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(realtime_push_chat PUBLIC
  realtime_push_rooms shopcast::auth shopcast::text shopcast::server shopcast::db shopcast::ids
  shopcast::status)
shopcast_warnings(realtime_push_chat)
