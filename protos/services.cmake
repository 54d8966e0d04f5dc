# Service contracts; included from protos/CMakeLists.txt. One library per service's proto.

# Stream status vocabulary shared by video-ingest, realtime-push and the gateway.
shopcast_proto_library(NAME proto_common_stream PROTOS shopcast/common/v1/stream.proto)

shopcast_proto_library(NAME proto_product_inventory
  PROTOS shopcast/product_inventory/v1/product_inventory.proto DEPS proto_common)
shopcast_proto_library(NAME proto_order
  PROTOS shopcast/order/v1/order.proto DEPS proto_common)
shopcast_proto_library(NAME proto_realtime_push
  PROTOS shopcast/realtime_push/v1/realtime_push.proto DEPS proto_common proto_common_stream)
shopcast_proto_library(NAME proto_video_ingest
  PROTOS shopcast/video_ingest/v1/video_ingest.proto DEPS proto_common proto_common_stream)
shopcast_proto_library(NAME proto_recording_lifecycle
  PROTOS shopcast/recording_lifecycle/v1/recording_lifecycle.proto DEPS proto_common)
# The WebSocket frames carry realtime-push's room events and notifications as they are.
shopcast_proto_library(NAME proto_gateway
  PROTOS shopcast/gateway/v1/gateway.proto DEPS proto_common proto_realtime_push)
