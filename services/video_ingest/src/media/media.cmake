# media: the GStreamer packager (FLV / MPEG-TS in, keyframe-cut MPEG-TS segments out) and the
# live HLS playlists. The Pipeline wires its parts: the graph (pipeline_graph), the shared bus
# thread (bus_watch) and pure, unit-tested pieces (TimestampNormalizer, FragmentTracker,
# SegmentCutter, PartCutter, DateTimeAnchor, MediaWatchdog, MediaFacts, SegmentWriter, TsTables, the codec
# strings, LivePlaylist); the Pipeline is tested with inputs made by a real ffmpeg.
add_library(video_ingest_media STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/bus_watch.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/caps_facts.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/codec_strings.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/date_ranges.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/date_time_anchor.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/file_io.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/flv_feed.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/flv_remux.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/fragment_tracker.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/gstreamer_init.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/live_playlist.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/media_facts.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/media_watchdog.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/native_packager.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/packager_metrics.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/part_cutter.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/pipeline.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/pipeline_graph.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/playlist_progress.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/rendition_group.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/rendition_spec.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/segment_cutter.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/segment_writer.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/timestamp_normalizer.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/ts_muxer.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/media/ts_tables.cc)
target_include_directories(video_ingest_media PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_media
  PUBLIC video_ingest_publish absl::status absl::statusor absl::time prometheus-cpp::core
  PRIVATE video_ingest_rtmp_protocol PkgConfig::GST shopcast::log shopcast::status absl::strings absl::str_format
          absl::synchronization OpenSSL::Crypto Threads::Threads)
shopcast_warnings(video_ingest_media)

shopcast_test(NAME video_ingest_media_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/codec_strings_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/date_ranges_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/date_time_anchor_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/file_io_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/flv_feed_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/flv_remux_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/fragment_tracker_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/live_playlist_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/media_facts_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/media_watchdog_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/part_cutter_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/playlist_progress_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/rendition_group_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/delta_update_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/segment_cutter_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/segment_writer_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/timestamp_normalizer_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/ts_muxer_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/ts_tables_test.cc
  DEPS video_ingest_media shopcast::status shopcast::testing_files absl::strings
       absl::synchronization Threads::Threads
  LABEL unit)

# Runs real ffmpeg/ffprobe (found on PATH) to make inputs and check the segments.
shopcast_test(NAME video_ingest_media_pipeline_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/pipeline_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/bus_watch_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/hevc_flv.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/test_media.cc
  DEPS video_ingest_media video_ingest_ffmpeg_check PkgConfig::GST shopcast::status
       shopcast::testing_files shopcast::testing_wait absl::strings
       absl::synchronization absl::time
  LABEL integration)

# The same cases on the native passthrough engine (native_packager.h) for the sessions it takes.
shopcast_test(NAME video_ingest_media_native_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/pipeline_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/bus_watch_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/hevc_flv.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/test_media.cc
  DEPS video_ingest_media video_ingest_ffmpeg_check PkgConfig::GST shopcast::status
       shopcast::testing_files shopcast::testing_wait absl::strings
       absl::synchronization absl::time
  LABEL integration)
if(TARGET video_ingest_media_native_test)
  target_compile_definitions(video_ingest_media_native_test PRIVATE SHOPCAST_TEST_NATIVE_ENGINE)
endif()
