# common: the migrations (embedded) and what every area shares.
add_library(order_common INTERFACE)
target_include_directories(order_common INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(order_common INTERFACE shopcast::proto_order shopcast::db)

# Defines shopcast::db::embedded::orderMigrations() (every V*.sql of migrations/, the payment
# ledger's included); apply it with events::OutboxMigrations().
add_library(order_migrations STATIC)
shopcast_embed_migrations(order_migrations ${CMAKE_CURRENT_SOURCE_DIR}/migrations order)
