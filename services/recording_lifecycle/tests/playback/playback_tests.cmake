# playback: unit tests (the playlist, tokens, targets), the database side (pgtest), and the VOD
# origin over real HTTP with ffmpeg's segments in every tier (hot, warm, cold on the run's
# s3rver), played by ffprobe and hls.js.
set(_rl_playback_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/playback)

shopcast_test(NAME recording_lifecycle_playback_test
  SOURCES ${_rl_playback_tests}/vod_playlist_test.cc ${_rl_playback_tests}/vod_token_test.cc
          ${_rl_playback_tests}/vod_target_test.cc
  DEPS recording_lifecycle_playback_core shopcast::status shopcast::testing_files
  LABEL unit)

shopcast_test(NAME recording_lifecycle_playback_pgtest
  SOURCES ${_rl_playback_tests}/playback_pgtest.cc
  DEPS recording_lifecycle_playback recording_lifecycle_migrations shopcast::testing_pg
       shopcast::testing_files shopcast::ids
  LABEL pg)
