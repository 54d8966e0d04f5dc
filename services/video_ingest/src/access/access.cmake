# access: paid access to gated streams on the origin side — playback tokens (HMAC, libs/signed_token),
# the cache of stream gates and passes the origin checks on every request, and the origin's
# PlaybackAccess built from both. Pure apart from the key file; the database side is the
# streams library's PassStore (an AccessSource).
# Included from services/video_ingest/CMakeLists.txt, so paths are relative to that folder.

add_library(video_ingest_access STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/access/access_cache.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/access/gated_access.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/access/playback_token.cc)
target_include_directories(video_ingest_access PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_access
  PUBLIC absl::status absl::statusor absl::strings absl::synchronization absl::time
         video_ingest_hls Threads::Threads
           shopcast::signed_token
  PRIVATE shopcast::log shopcast::status)
shopcast_warnings(video_ingest_access)

# Tokens (sign, verify, tamper, expiry, bounded parsing), the cache on a fake source and a
# clock the test moves, and the origin's decisions.
shopcast_test(NAME video_ingest_access_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/access/playback_token_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/access/access_cache_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/access/gated_access_test.cc
  DEPS video_ingest_access shopcast::status shopcast::testing_files
  LABEL unit)
