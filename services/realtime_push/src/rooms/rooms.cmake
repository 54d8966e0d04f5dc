# rooms: the room logs (migrations, RoomLog), the in-process fan-out (feeds, Subscribe), the
# internal Publish and the EventSink that turns video-ingest's events into room events.
add_library(realtime_push_rooms STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/batch_append.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/event_sink_service.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/feed.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/feed_hub.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/grpc_context.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/ids.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/internal_service.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/projection.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/retention.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/room_log.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/room_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/stream_events.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/subscribe_reactor.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/rooms/wake_queue.cc)
target_include_directories(realtime_push_rooms PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(realtime_push_rooms PUBLIC
  shopcast::proto_realtime_push shopcast::proto_video_ingest shopcast::server shopcast::db
  shopcast::events shopcast::ids shopcast::log shopcast::status shopcast::timing
  prometheus-cpp::core gRPC::grpc++ absl::flat_hash_map absl::synchronization)
shopcast_warnings(realtime_push_rooms)
# Defines shopcast::db::embedded::realtime_pushMigrations(); apply it with
# events::InboxMigrations().
shopcast_embed_migrations(realtime_push_rooms ${CMAKE_CURRENT_SOURCE_DIR}/migrations realtime_push)

if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME realtime_push_feed_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/rooms/feed_test.cc
    DEPS realtime_push_rooms LABEL unit)
  shopcast_test(NAME realtime_push_wake_queue_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/rooms/wake_queue_test.cc
    DEPS realtime_push_rooms LABEL unit)
endif()
