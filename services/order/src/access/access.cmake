# access: access passes to gated streams. The peers (video-ingest's LookupStreams; after the
# show, recording-lifecycle's GetRecording: is a replay kept), each behind an interface with its
# gRPC client, and the pure rules that price a pass; the checkout sells it.
add_library(order_access STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/access/grpc_replays.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/access/grpc_streams.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/access/pass_rules.cc)
target_include_directories(order_access PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(order_access PUBLIC
  shopcast::proto_video_ingest shopcast::proto_recording_lifecycle shopcast::proto_common shopcast::auth shopcast::clients
  shopcast::status gRPC::grpc++)
shopcast_warnings(order_access)
