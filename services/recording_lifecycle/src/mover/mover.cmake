# mover (rl-tiers): planning moves, the mover's durable per-object state machine (copy, verify,
# switch the pointer, delete the source) and the purger of deleted recordings, over the TierSet.
add_library(recording_lifecycle_mover STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/mover/mover.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/mover/plan.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/mover/purger.cc)
target_include_directories(recording_lifecycle_mover PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_mover PUBLIC
  recording_lifecycle_storage recording_lifecycle_common shopcast::db shopcast::events
  shopcast::ids shopcast::log shopcast::status shopcast::timing prometheus-cpp::core
  absl::strings absl::time)
shopcast_warnings(recording_lifecycle_mover)

# The tiers' flags (tiers_flags.h), apart so the app links them exactly once.
add_library(recording_lifecycle_tiers_flags STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/mover/tiers_flags.cc)
target_link_libraries(recording_lifecycle_tiers_flags PUBLIC
  recording_lifecycle_mover absl::flags shopcast::status)
shopcast_warnings(recording_lifecycle_tiers_flags)
