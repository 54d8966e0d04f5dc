# Thumbnails of live streams (thumbnailer.h): the packager offers keyframes through
# PackagerOptions::keyframes; a small shared worker decodes one every few seconds with FFmpeg's
# libavcodec, scales it with libswscale, encodes it with libjpeg-turbo and writes thumb.jpg /
# poster.jpg beside the segments. Never libavformat: it maps Debian's second libsrt build into
# the process (see thumbnailer.h).
pkg_check_modules(JPEG REQUIRED IMPORTED_TARGET libjpeg)

add_library(video_ingest_thumbnails STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/media/thumbnailer.cc)
target_include_directories(video_ingest_thumbnails PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_thumbnails
  PUBLIC video_ingest_media PkgConfig::GST prometheus-cpp::core absl::status absl::statusor
         absl::time
  PRIVATE video_ingest_libav PkgConfig::JPEG shopcast::log shopcast::status absl::strings
          Threads::Threads)
shopcast_warnings(video_ingest_thumbnails)

if(SHOPCAST_BUILD_TESTS)
  # Real ffmpeg-made H.264 (and HEVC) keyframes decoded into JPEGs; the packager with a
  # thumbnailer behind it.
  shopcast_test(NAME video_ingest_thumbnailer_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/thumbnailer_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/media/test_media.cc
    DEPS video_ingest_thumbnails video_ingest_ffmpeg_check PkgConfig::GST shopcast::status
         shopcast::testing_files shopcast::testing_wait absl::strings absl::synchronization
         absl::time prometheus-cpp::core
    LABEL integration)
endif()
