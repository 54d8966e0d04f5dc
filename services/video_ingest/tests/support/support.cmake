# What ffmpeg and ffprobe say about media the tests sent and recorded (SRT and e2e tests).
if(SHOPCAST_BUILD_TESTS)
  add_library(video_ingest_ffmpeg_check STATIC ${CMAKE_CURRENT_LIST_DIR}/ffmpeg_check.cc)
  target_include_directories(video_ingest_ffmpeg_check PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(video_ingest_ffmpeg_check PUBLIC Catch2::Catch2 absl::strings)
  shopcast_warnings(video_ingest_ffmpeg_check)
endif()
