# Access tokens checked at the edge: the AccessCheck of src/auth/access_check.h, with the user
# service's keys (GetSigningKeys) and revocations (ListRevocations) from its internal listener.
add_library(gateway_auth STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/auth/user_keys.cc)
target_link_libraries(gateway_auth PUBLIC gateway_contracts shopcast::auth shopcast::clients
  shopcast::proto_user shopcast::log shopcast::status prometheus-cpp::core absl::synchronization)
shopcast_warnings(gateway_auth)
