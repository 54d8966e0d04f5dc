# FFmpeg's libavcodec, called directly by the thumbnailer (thumbnails.cmake) and the rendition
# ladder's decoder (ladder.cmake): what they share (libav_support.h). Never libavformat: it maps
# Debian's second libsrt build into the process (see thumbnailer.h).
pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET libavcodec libswscale libavutil)

add_library(video_ingest_libav STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/media/libav_support.cc)
target_include_directories(video_ingest_libav PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_libav PUBLIC PkgConfig::LIBAV absl::strings)
shopcast_warnings(video_ingest_libav)
