# clips: cutting clips out of a recording without re-encoding (GStreamer: tsdemux → parsers →
# mp4mux, index first), posters and thumbnails (one keyframe decoded into a JPEG), clips as
# durable jobs (table, worker with leases) and their RPCs (CreateClip, GetClip, ListClips,
# DeleteClip, ListThumbnails, SetPrimaryThumbnail).
add_library(recording_lifecycle_cutter STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/clips/clip_range.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/clips/cutter.cc)
target_include_directories(recording_lifecycle_cutter PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_cutter
  PUBLIC shopcast::status absl::status absl::statusor absl::time
  PRIVATE PkgConfig::GST shopcast::log absl::strings)
shopcast_warnings(recording_lifecycle_cutter)

# The jobs, their store, worker and RPCs.
add_library(recording_lifecycle_clips STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/clips/clip_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/clips/clip_worker.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/clips/clips.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/clips/clips_rpcs.cc)
target_include_directories(recording_lifecycle_clips PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_clips
  PUBLIC recording_lifecycle_cutter recording_lifecycle_storage recording_lifecycle_common
         shopcast::proto_recording_lifecycle shopcast::auth shopcast::db shopcast::pagetoken
         shopcast::server shopcast::status prometheus-cpp::core gRPC::grpc++ absl::synchronization
  PRIVATE shopcast::ids shopcast::log absl::strings)
shopcast_warnings(recording_lifecycle_clips)
