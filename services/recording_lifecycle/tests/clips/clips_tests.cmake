# clips: the range rules and keyframe snapping (unit), the cutter on real ffmpeg-made segments
# (checked with ffprobe/ffmpeg), the clip jobs, worker and RPCs on a real PostgreSQL.
set(_rl_clips_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/clips)

# clip_media (ffmpeg-made segments, the burned-in frame counter) as a library, for the tests
# outside this folder that mark their encoder's picture (the ingest → VOD e2e test, the show).
if(SHOPCAST_BUILD_TESTS)
  add_library(recording_lifecycle_clip_media STATIC ${_rl_clips_tests}/clip_media.cc)
  target_include_directories(recording_lifecycle_clip_media PUBLIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(recording_lifecycle_clip_media PUBLIC
    recording_lifecycle_cutter Catch2::Catch2 absl::strings)
  shopcast_warnings(recording_lifecycle_clip_media)
endif()

shopcast_test(NAME recording_lifecycle_clip_range_test
  SOURCES ${_rl_clips_tests}/clip_range_test.cc
  DEPS recording_lifecycle_cutter
  LABEL unit)

shopcast_test(NAME recording_lifecycle_cutter_test
  SOURCES ${_rl_clips_tests}/cutter_test.cc ${_rl_clips_tests}/clip_media.cc
  DEPS recording_lifecycle_cutter shopcast::testing_files absl::strings
  LABEL integration)

# Clip jobs, the worker and the clip/thumbnail calls against a real PostgreSQL, with segments
# made by ffmpeg in a scratch hot tier.
shopcast_test(NAME recording_lifecycle_clips_pgtest
  SOURCES ${_rl_clips_tests}/clips_pgtest.cc ${_rl_clips_tests}/clip_media.cc
  DEPS recording_lifecycle_clips recording_lifecycle_migrations shopcast::testing_pg
       shopcast::testing_files shopcast::testing_wait absl::strings
  LABEL pg)

# The six RPCs over a real in-process gRPC server: tokens, visibility, reasons in trailers.
shopcast_test(NAME recording_lifecycle_clips_rpcs_pgtest
  SOURCES ${_rl_clips_tests}/clips_rpcs_pgtest.cc
  DEPS recording_lifecycle_clips recording_lifecycle_migrations shopcast::testing_pg
       shopcast::testing_files absl::strings
  LABEL pg)
