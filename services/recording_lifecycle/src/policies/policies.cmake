# policies (rl-tiers): aging policies as data (validation, the pure evaluator, the store), the
# aging pass and its dry run, and the tiers' RPCs (policies CRUD, MoveRecording, SetLegalHold,
# RunAgingPass, DryRunAgingPass).
add_library(recording_lifecycle_policies STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/policies/aging_pass.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/policies/policy.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/policies/policy_store.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/policies/tiers_rpcs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/policies/tiers_service.cc)
target_include_directories(recording_lifecycle_policies PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(recording_lifecycle_policies PUBLIC
  recording_lifecycle_mover recording_lifecycle_common shopcast::proto_recording_lifecycle
  shopcast::auth shopcast::db shopcast::log shopcast::pagetoken shopcast::server
  shopcast::status shopcast::timing prometheus-cpp::core gRPC::grpc++ absl::strings absl::time)
shopcast_warnings(recording_lifecycle_policies)
