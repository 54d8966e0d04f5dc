# The adaptive-bitrate rendition ladder (rendition_ladder.h): one decoder per session
# (ladder_decoder.h: libavcodec's h264 or hevc, libav.cmake) whose pictures go to each rung's own GStreamer
# pipeline (videoscale → x264enc → mpegtsmux), fed by the packager through
# PackagerOptions::renditions, cut where the passthrough cuts. Its own library, like thumbnails,
# so the packager and the runtime see only the RenditionFeed interface.
if(NOT TARGET PkgConfig::GST_VIDEO)
  pkg_check_modules(GST_VIDEO REQUIRED IMPORTED_TARGET gstreamer-video-1.0>=1.22)
endif()

add_library(video_ingest_ladder STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/media/rendition_ladder.cc
                                       ${CMAKE_CURRENT_SOURCE_DIR}/src/media/ladder_decoder.cc)
target_include_directories(video_ingest_ladder PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_ladder
  PUBLIC video_ingest_media PkgConfig::GST prometheus-cpp::core absl::status absl::statusor
         absl::time absl::synchronization
  PRIVATE PkgConfig::GST_VIDEO video_ingest_libav shopcast::log shopcast::status absl::strings Threads::Threads)
shopcast_warnings(video_ingest_ladder)

if(SHOPCAST_BUILD_TESTS)
  shopcast_test(NAME video_ingest_rendition_spec_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/rendition_spec_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/rendition_playlist_test.cc
    DEPS video_ingest_media shopcast::status shopcast::testing_files
    LABEL unit)

  # Real ffmpeg-made FLV through the packager with a ladder: rungs decodable at their sizes,
  # cut exactly where the passthrough cut, a failing rung isolated and restarted.
  shopcast_test(NAME video_ingest_ladder_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/ladder_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/test_media.cc
    DEPS video_ingest_ladder video_ingest_ffmpeg_check PkgConfig::GST shopcast::status
         shopcast::testing_files shopcast::testing_wait absl::strings absl::synchronization
         absl::time prometheus-cpp::core
    LABEL integration)
endif()
