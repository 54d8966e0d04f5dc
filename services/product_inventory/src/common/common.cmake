# common: the migrations (embedded), room events and user notifications through the outbox and
# the sink that hands them to realtime-push, the stream directory fed by video-ingest's events,
# the hooks between areas (hooks.h), caller checks, page sizes and the rounds of the background
# workers.
add_library(product_inventory_common STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/due_rounds.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/paging.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/room_events.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/room_publish_sink.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/rpc_prologue.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/streams.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/user_notifications.cc)
target_include_directories(product_inventory_common PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(product_inventory_common PUBLIC
  shopcast::proto_product_inventory shopcast::proto_realtime_push shopcast::proto_video_ingest
  shopcast::auth shopcast::clients shopcast::db shopcast::events shopcast::ids shopcast::log
  shopcast::pagetoken shopcast::server shopcast::status shopcast::timing gRPC::grpc++)
shopcast_warnings(product_inventory_common)
# Defines shopcast::db::embedded::product_inventoryMigrations(); apply it with
# events::OutboxMigrations() and events::InboxMigrations().
shopcast_embed_migrations(product_inventory_common ${CMAKE_CURRENT_SOURCE_DIR}/migrations
                          product_inventory)
