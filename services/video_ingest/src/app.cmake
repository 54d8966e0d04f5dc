# Backing off publishers that keep being refused: a PublishAdmission in front of any other, so
# the protocol servers' tests can put it in front of their fakes.
add_library(video_ingest_backoff STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ingest/refusal_backoff.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ingest/backoff_admission.cc)
target_include_directories(video_ingest_backoff PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_backoff PUBLIC
  video_ingest_publish shopcast::status prometheus-cpp::core absl::hash)
shopcast_warnings(video_ingest_backoff)

# The live runtime (admission, sessions, state changes) and the binary that wires everything.
add_library(video_ingest_runtime STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ingest/marker_feed.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ingest/runtime.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ingest/session.cc)
target_include_directories(video_ingest_runtime PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_runtime PUBLIC
  video_ingest_publish video_ingest_backoff video_ingest_media video_ingest_streams shopcast::log
  shopcast::status shopcast::timing prometheus-cpp::core Boost::headers Threads::Threads
  absl::hash)
shopcast_warnings(video_ingest_runtime)

if(SHOPCAST_BUILD_TESTS)
  # The runtime on an in-memory store and packagers the test drives.
  shopcast_test(NAME video_ingest_runtime_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/ingest/runtime_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/ingest/fakes.cc
    DEPS video_ingest_runtime shopcast::status shopcast::testing_files shopcast::testing_wait
         absl::str_format
    LABEL unit)
  # Stream markers reaching the playlists of the streams written here, on a fake source.
  shopcast_test(NAME video_ingest_marker_feed_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/ingest/marker_feed_test.cc
    DEPS video_ingest_runtime shopcast::status shopcast::testing_files
    LABEL unit)
  # Backing off publishers that keep being refused, on a clock the test moves.
  shopcast_test(NAME video_ingest_refusal_backoff_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/ingest/refusal_backoff_test.cc
    DEPS video_ingest_runtime shopcast::status
    LABEL unit)
endif()

add_library(video_ingest_app STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/app.cc ${CMAKE_CURRENT_SOURCE_DIR}/src/app/config.cc)
target_include_directories(video_ingest_app PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_app PUBLIC
  video_ingest_runtime video_ingest_rtmp_server video_ingest_srt video_ingest_hls
  video_ingest_streams video_ingest_thumbnails video_ingest_ladder shopcast::server shopcast::clients shopcast::events shopcast::config
  shopcast::startup absl::flags)
shopcast_warnings(video_ingest_app)

add_executable(video-ingest ${CMAKE_CURRENT_SOURCE_DIR}/src/main.cc)
target_link_libraries(video-ingest PRIVATE video_ingest_app)
shopcast_warnings(video-ingest)

if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME video_ingest_config_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/config_test.cc
    DEPS video_ingest_app LABEL unit)

  # The binary driven by real encoders and players (ffmpeg, GStreamer, ffprobe, HTTP).
  add_library(video_ingest_e2e_fixture STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/ingest_fixture.cc)
  target_link_libraries(video_ingest_e2e_fixture PUBLIC
    shopcast::proto_video_ingest shopcast::proto_order shopcast::clients shopcast::auth
    shopcast::auth_testing shopcast::testing_pg
    shopcast::testing_net shopcast::testing_files shopcast::testing_wait video_ingest_ffmpeg_check
    Catch2::Catch2 PkgConfig::PQXX)
  target_compile_definitions(video_ingest_e2e_fixture PUBLIC
    SHOPCAST_VIDEO_INGEST_BIN="$<TARGET_FILE:video-ingest>")
  shopcast_warnings(video_ingest_e2e_fixture)
  shopcast_test(NAME video_ingest_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/publish_e2e_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/hostile_e2e_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/operations_e2e_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/long_gop_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  add_dependencies(video_ingest_e2e_test video-ingest)
  # Gated streams end to end: passes delivered as order events, playback tokens, ffprobe playing
  # through the origin with the token, a revoked pass refused, an ungated stream still open.
  shopcast_test(NAME video_ingest_gated_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/gated_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  add_dependencies(video_ingest_gated_e2e_test video-ingest)
  # Live timed metadata: events delivered as the relays send them show as EXT-X-DATERANGE in
  # the playlist of a stream a real ffmpeg publishes, within a part's duration.
  shopcast_test(NAME video_ingest_timed_metadata_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/timed_metadata_e2e_test.cc
    DEPS video_ingest_e2e_fixture shopcast::proto_realtime_push LABEL e2e)
  add_dependencies(video_ingest_timed_metadata_e2e_test video-ingest)
  # Media the packager cannot take, refused by name; HEVC needs a hand-made RTMP client.
  shopcast_test(NAME video_ingest_codec_refusal_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/codec_refusal_e2e_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/raw_publisher.cc
    DEPS video_ingest_e2e_fixture video_ingest_rtmp_protocol LABEL e2e)
  target_include_directories(video_ingest_codec_refusal_e2e_test PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp)
  add_dependencies(video_ingest_codec_refusal_e2e_test video-ingest)
  # HEVC input: libx265 over SRT served as an hvc1 passthrough when accepted, refused otherwise.
  # Over RTMP the test frames libx265 output as enhanced RTMP itself (GStreamer reads it).
  shopcast_test(NAME video_ingest_hevc_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/hevc_e2e_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/hevc_flv.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/raw_publisher.cc
    DEPS video_ingest_e2e_fixture video_ingest_rtmp_protocol PkgConfig::GST LABEL e2e)
  target_include_directories(video_ingest_hevc_e2e_test PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/media ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp)
  target_compile_definitions(video_ingest_hevc_e2e_test PRIVATE
    SHOPCAST_WEB_DIR="${PROJECT_SOURCE_DIR}/services/gateway/web"
    SHOPCAST_HLS_JS_PLAYER="${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/hls_js_player.mjs")
  add_dependencies(video_ingest_hevc_e2e_test video-ingest)
  # Two replicas on one database: a rolling restart and a replica that dies without draining.
  shopcast_test(NAME video_ingest_rollout_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/rollout_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  add_dependencies(video_ingest_rollout_e2e_test video-ingest)
  # Low-Latency HLS blocking playlist reloads through the binary, fed by a real publish.
  shopcast_test(NAME video_ingest_blocking_reload_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/blocking_reload_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  add_dependencies(video_ingest_blocking_reload_e2e_test video-ingest)
  # Sequential rounds of publishes: memory held after streams end must not grow with them.
  shopcast_test(NAME video_ingest_memory_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/memory_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  add_dependencies(video_ingest_memory_e2e_test video-ingest)
  # Low-Latency HLS played by real players: ffprobe, and hls.js in Debian's Chromium through
  # Playwright (the web app's node_modules, which tools/dev installs).
  shopcast_test(NAME video_ingest_ll_hls_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/ll_hls_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  target_compile_definitions(video_ingest_ll_hls_e2e_test PRIVATE
    SHOPCAST_WEB_DIR="${PROJECT_SOURCE_DIR}/services/gateway/web"
    SHOPCAST_HLS_JS_PLAYER="${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/hls_js_player.mjs")
  add_dependencies(video_ingest_ll_hls_e2e_test video-ingest)
  # Audio-only and video-only publishes (RTMP and SRT) and delta updates (`_HLS_skip`) played by
  # real players: ffprobe, and hls.js in Debian's Chromium through Playwright.
  shopcast_test(NAME video_ingest_tracks_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/tracks_e2e_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/delta_update_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  target_compile_definitions(video_ingest_tracks_e2e_test PRIVATE
    SHOPCAST_WEB_DIR="${PROJECT_SOURCE_DIR}/services/gateway/web"
    SHOPCAST_HLS_JS_PLAYER="${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/hls_js_player.mjs")
  add_dependencies(video_ingest_tracks_e2e_test video-ingest)
  # The rendition ladder end to end: ffprobe and hls.js on the master and every rung, a rung
  # made to fail leaving the others playing.
  shopcast_test(NAME video_ingest_ladder_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/ladder_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  target_compile_definitions(video_ingest_ladder_e2e_test PRIVATE
    SHOPCAST_WEB_DIR="${PROJECT_SOURCE_DIR}/services/gateway/web"
    SHOPCAST_HLS_JS_PLAYER="${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/hls_js_player.mjs")
  add_dependencies(video_ingest_ladder_e2e_test video-ingest)
  # Live thumbnails and the poster through the real binary, the origin and GetStream.
  shopcast_test(NAME video_ingest_thumbnails_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/thumbnails_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  add_dependencies(video_ingest_thumbnails_e2e_test video-ingest)
endif()
