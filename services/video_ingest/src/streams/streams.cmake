# streams: the streams database (migrations), the stream state machine in StreamStore, and the
# VideoIngestService / VideoIngestInternalService gRPC surface.
add_library(video_ingest_streams STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/markers.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/page_token.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/pass_event_sink.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/proto_mapping.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/stream_service.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/streams.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/validation.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/store/marker_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/store/pass_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/store/publish_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/store/sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/store/store_tx.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/streams/store/stream_store.cc)
target_include_directories(video_ingest_streams PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_streams PUBLIC
  shopcast::proto_video_ingest shopcast::server shopcast::auth shopcast::db shopcast::events
  shopcast::ids shopcast::log shopcast::status shopcast::text shopcast::pagetoken
  shopcast::proto_order shopcast::proto_realtime_push video_ingest_publish video_ingest_access)
shopcast_warnings(video_ingest_streams)
# Defines shopcast::db::embedded::video_ingestMigrations(); apply it with
# events::OutboxMigrations() and events::InboxMigrations() (the pass events' dedupe).
shopcast_embed_migrations(video_ingest_streams ${CMAKE_CURRENT_SOURCE_DIR}/migrations video_ingest)

if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME video_ingest_streams_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/validation_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/page_token_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/markers_test.cc
    DEPS video_ingest_streams LABEL unit)

  add_library(video_ingest_streams_fixture STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/streams_fixture.cc)
  target_link_libraries(video_ingest_streams_fixture PUBLIC
    video_ingest_streams shopcast::testing_pg shopcast::testing_net Catch2::Catch2)
  shopcast_warnings(video_ingest_streams_fixture)

  shopcast_test(NAME video_ingest_streams_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/stream_api_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/bad_input_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/state_machine_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/gated_streams_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/pass_store_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/marker_sink_pgtest.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/streams/thumbnails_pgtest.cc
    DEPS video_ingest_streams_fixture LABEL pg)
endif()
