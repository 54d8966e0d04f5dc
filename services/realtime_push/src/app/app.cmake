add_library(realtime_push_app STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/app.cc ${CMAKE_CURRENT_SOURCE_DIR}/src/app/config.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/public_service.cc)
target_include_directories(realtime_push_app PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(realtime_push_app PUBLIC
  realtime_push_rooms shopcast::server shopcast::clients shopcast::auth shopcast::config
  shopcast::startup absl::flags
  realtime_push_engagement
  realtime_push_notify
  realtime_push_chat
  realtime_push_sales)
shopcast_warnings(realtime_push_app)

add_executable(realtime-push ${CMAKE_CURRENT_SOURCE_DIR}/src/main.cc)
target_link_libraries(realtime-push PRIVATE realtime_push_app)
shopcast_warnings(realtime-push)
