# storage: where recording media lives. The StorageProvider interface, object keys, and its
# providers: the local filesystem (hot and warm tiers) and an S3-compatible object store (cold
# tier: libcurl's AWS SigV4 for requests, our own SigV4 query signing for presigned URLs,
# libxml2 for the XML answers).
find_package(CURL REQUIRED)
find_package(LibXml2 REQUIRED)
add_library(recording_lifecycle_storage STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/digest.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/filesystem_provider.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/fs_errors.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/object_key.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/retry.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/s3_config.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/s3_provider.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/s3_xml.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/sigv4.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/storage_metrics.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/storage_provider.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/tier_set.cc)
target_include_directories(recording_lifecycle_storage PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_storage
  PUBLIC shopcast::status absl::status absl::statusor absl::time prometheus-cpp::core
  PRIVATE CURL::libcurl LibXml2::LibXml2 OpenSSL::Crypto absl::strings absl::str_format
          absl::random_random absl::synchronization shopcast::log)
shopcast_warnings(recording_lifecycle_storage)
