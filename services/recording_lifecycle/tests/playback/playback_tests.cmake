# playback: unit tests (the playlist, tokens, targets), the database side (pgtest), and the VOD
# origin over real HTTP with ffmpeg's segments in every tier (hot, warm, cold on the run's
# s3rver), played by ffprobe and hls.js.
set(_rl_playback_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/playback)

shopcast_test(NAME recording_lifecycle_playback_test
  SOURCES ${_rl_playback_tests}/vod_playlist_test.cc ${_rl_playback_tests}/vod_token_test.cc
          ${_rl_playback_tests}/vod_target_test.cc
  DEPS recording_lifecycle_playback_core shopcast::status shopcast::testing_files
  LABEL unit)

shopcast_test(NAME recording_lifecycle_rehydration_cache_test
  SOURCES ${_rl_playback_tests}/rehydration_cache_test.cc
  DEPS recording_lifecycle_playback shopcast::testing_files absl::strings
  LABEL unit)

shopcast_test(NAME recording_lifecycle_playback_pgtest
  SOURCES ${_rl_playback_tests}/playback_pgtest.cc
  DEPS recording_lifecycle_playback recording_lifecycle_migrations shopcast::testing_pg
       shopcast::testing_files shopcast::ids
  LABEL pg)

shopcast_test(NAME recording_lifecycle_playback_rpcs_pgtest
  SOURCES ${_rl_playback_tests}/playback_rpcs_pgtest.cc
  DEPS recording_lifecycle_playback recording_lifecycle_migrations shopcast::testing_pg
       shopcast::ids shopcast::auth
  LABEL pg)

# The origin over real HTTP: the run's PostgreSQL and s3rver, ffmpeg's segments, ffprobe; the
# [e2e] case adds hls.js in Chromium (services/gateway/web's node_modules: `npm ci` there). The
# gateway's /vod/ proxy (its library and test listener) stands in front where a case says so.
# One CTest entry per label (two fixtures: catch_discover_tests cannot carry list properties).
if(SHOPCAST_BUILD_TESTS AND TARGET gateway_hls_harness)
  add_executable(recording_lifecycle_vod_origin_test ${_rl_playback_tests}/vod_origin_test.cc)
  target_include_directories(recording_lifecycle_vod_origin_test PRIVATE
    ${PROJECT_SOURCE_DIR}/services/video_ingest/tests/e2e)
  target_compile_definitions(recording_lifecycle_vod_origin_test PRIVATE
    SHOPCAST_WEB_DIR="${PROJECT_SOURCE_DIR}/services/gateway/web"
    SHOPCAST_HLS_JS_PLAYER="${PROJECT_SOURCE_DIR}/services/video_ingest/tests/e2e/hls_js_player.mjs")
  target_link_libraries(recording_lifecycle_vod_origin_test PRIVATE
    recording_lifecycle_playback recording_lifecycle_migrations recording_lifecycle_test_support
    shopcast::testing_pg shopcast::testing_files shopcast::ids prometheus-cpp::core
    gateway_hls gateway_hls_harness shopcast::testing_main)
  shopcast_warnings(recording_lifecycle_vod_origin_test)
  foreach(_kind integration e2e)
    if(_kind STREQUAL "e2e")
      set(_filter "[e2e]")
    else()
      set(_filter "~[e2e]")
    endif()
    add_test(NAME recording_lifecycle_vod_origin_${_kind}_test
             COMMAND recording_lifecycle_vod_origin_test ${_filter})
    set_tests_properties(recording_lifecycle_vod_origin_${_kind}_test PROPERTIES
      LABELS ${_kind} TIMEOUT 600
      FIXTURES_REQUIRED "shopcast_pg;recording_lifecycle_s3"
      ENVIRONMENT "SHOPCAST_TEST_PG_ENV=${SHOPCAST_TEST_PG_ENV_FILE};SHOPCAST_TEST_S3_ENV=${RECORDING_LIFECYCLE_S3_ENV_FILE}")
  endforeach()
endif()
