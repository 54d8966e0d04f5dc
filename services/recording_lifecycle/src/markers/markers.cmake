# markers: sale, pin and auction markers from the peers' events, placed on their recording's
# media timeline. The pure parts (placement, event reading) apart so they unit-test alone.
add_library(recording_lifecycle_markers_rules STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/markers/marker_events.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/markers/placement.cc)
target_include_directories(recording_lifecycle_markers_rules PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_markers_rules PUBLIC
  recording_lifecycle_common shopcast::proto_order shopcast::proto_realtime_push shopcast::ids
  shopcast::status absl::statusor absl::strings)
shopcast_warnings(recording_lifecycle_markers_rules)

add_library(recording_lifecycle_markers STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/markers/marker_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/markers/orphan_watch.cc)
target_include_directories(recording_lifecycle_markers PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_markers PUBLIC
  recording_lifecycle_markers_rules recording_lifecycle_common shopcast::db shopcast::status
  shopcast::log prometheus-cpp::core PkgConfig::PQXX absl::synchronization)
shopcast_warnings(recording_lifecycle_markers)
