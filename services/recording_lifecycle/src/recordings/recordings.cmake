# recordings: video-ingest's stream events applied to recordings and segments, and the
# recordings RPCs (GetRecording, ListRecordings, ListMoments, SaveOrDelete, UpdateRecording).
# The pure parts (event reading, request rules) apart so they unit-test alone.
add_library(recording_lifecycle_recordings_rules STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/recordings/rules.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/recordings/stream_events.cc)
target_include_directories(recording_lifecycle_recordings_rules PUBLIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_recordings_rules PUBLIC
  recording_lifecycle_common recording_lifecycle_storage shopcast::proto_video_ingest
  shopcast::proto_recording_lifecycle shopcast::auth shopcast::ids shopcast::pagetoken
  shopcast::status absl::statusor absl::strings)
shopcast_warnings(recording_lifecycle_recordings_rules)

add_library(recording_lifecycle_recordings STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/recordings/locations.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/recordings/recording_events.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/recordings/recordings.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/recordings/recordings_rpcs.cc)
target_include_directories(recording_lifecycle_recordings PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_recordings PUBLIC
  recording_lifecycle_recordings_rules recording_lifecycle_markers recording_lifecycle_common
  recording_lifecycle_mover shopcast::auth shopcast::db shopcast::events shopcast::log shopcast::pagetoken
  shopcast::server shopcast::status prometheus-cpp::core PkgConfig::PQXX gRPC::grpc++)
shopcast_warnings(recording_lifecycle_recordings)
