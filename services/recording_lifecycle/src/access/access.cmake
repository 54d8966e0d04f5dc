# access: paid access to gated streams' recordings (V040), from video-ingest's gating and
# order's access passes. The event reading is pure, apart so it unit-tests alone.
add_library(recording_lifecycle_access_rules STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/access/access_events.cc)
target_include_directories(recording_lifecycle_access_rules PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_access_rules PUBLIC
  recording_lifecycle_common shopcast::proto_order shopcast::proto_video_ingest shopcast::ids
  shopcast::status absl::statusor absl::strings)
shopcast_warnings(recording_lifecycle_access_rules)

add_library(recording_lifecycle_access STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/access/access_store.cc)
target_include_directories(recording_lifecycle_access PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_access PUBLIC
  recording_lifecycle_access_rules recording_lifecycle_common shopcast::db PkgConfig::PQXX)
shopcast_warnings(recording_lifecycle_access)
