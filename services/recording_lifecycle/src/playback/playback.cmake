# playback: the VOD playlist (pure), signed VOD tokens (HMAC-SHA-256, libs/signed_token), the /vod/
# target parser (pure), playback's reads of recordings/segments/markers, GetPlaybackUrl /
# GetPlaylist / ResolveSegment and their RPCs, and the VOD origin (libs/http_files) that serves
# segments from whichever tier holds them (cold ones through a bounded rehydration cache).
add_library(recording_lifecycle_playback_core STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/vod_playlist.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/vod_target.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/vod_token.cc)
target_include_directories(recording_lifecycle_playback_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_playback_core
  PUBLIC absl::status absl::statusor absl::strings absl::time shopcast::signed_token
  PRIVATE absl::str_format shopcast::ids shopcast::money shopcast::status PkgConfig::SODIUM)
shopcast_warnings(recording_lifecycle_playback_core)

add_library(recording_lifecycle_playback STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/playback.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/playback_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/playback_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/playback_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/rehydration_cache.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/vod_origin.cc)
target_link_libraries(recording_lifecycle_playback
  PUBLIC recording_lifecycle_playback_core recording_lifecycle_common recording_lifecycle_storage
         shopcast::proto_recording_lifecycle shopcast::auth shopcast::db shopcast::server
         shopcast::http_files prometheus-cpp::core gRPC::grpc++
  PRIVATE shopcast::ids shopcast::log shopcast::status absl::synchronization)
shopcast_warnings(recording_lifecycle_playback)
