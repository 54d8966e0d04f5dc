# engagement: reactions (likes/dislikes per identity), presence (leases, viewer counts, watch
# time), their coalesced pushes, the lease sweeper and room stats.
add_library(realtime_push_engagement STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/coalescer.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/engagement_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/engagement_sql.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/identity.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/presence_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/reactions_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/room_check.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/stats.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/stats_series.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/engagement/sweeper.cc)
target_include_directories(realtime_push_engagement PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(realtime_push_engagement PUBLIC
  realtime_push_rooms shopcast::auth shopcast::db shopcast::log shopcast::server
  shopcast::status shopcast::timing absl::synchronization)
shopcast_warnings(realtime_push_engagement)
