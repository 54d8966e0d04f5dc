add_library(recording_lifecycle_app STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/app.cc ${CMAKE_CURRENT_SOURCE_DIR}/src/app/config.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/event_sink_service.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/public_service.cc)
target_include_directories(recording_lifecycle_app PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_app PUBLIC
  recording_lifecycle_common recording_lifecycle_migrations shopcast::server shopcast::clients
  shopcast::auth shopcast::config shopcast::events shopcast::pagetoken shopcast::startup
  absl::flags
  # ---- area libraries (one line each) ----
  recording_lifecycle_storage
  recording_lifecycle_tiers_flags
  recording_lifecycle_mover
  recording_lifecycle_policies
  recording_lifecycle_playback
  recording_lifecycle_clips
  recording_lifecycle_markers
  recording_lifecycle_access
  recording_lifecycle_recordings)
shopcast_warnings(recording_lifecycle_app)

add_executable(recording-lifecycle ${CMAKE_CURRENT_SOURCE_DIR}/src/main.cc)
target_link_libraries(recording-lifecycle PRIVATE recording_lifecycle_app)
shopcast_warnings(recording-lifecycle)
