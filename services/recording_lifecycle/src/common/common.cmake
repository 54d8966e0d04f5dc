# common: the migrations (embedded) and what every area shares.
add_library(recording_lifecycle_common INTERFACE)
target_include_directories(recording_lifecycle_common INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_common INTERFACE
  shopcast::proto_recording_lifecycle shopcast::db)

# Defines shopcast::db::embedded::recording_lifecycleMigrations() (every V*.sql of
# migrations/); apply it with events::OutboxMigrations() and events::InboxMigrations().
add_library(recording_lifecycle_migrations STATIC)
shopcast_embed_migrations(recording_lifecycle_migrations ${CMAKE_CURRENT_SOURCE_DIR}/migrations
  recording_lifecycle)
