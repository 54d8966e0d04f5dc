#include "app/public_service.h"

#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push {

// ---- rooms ----

grpc::ServerWriteReactor<grpc::ByteBuffer>* PublicService::Subscribe(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request) {
  return areas_.rooms->Subscribe(ctx, request);
}

// ---- chat ----

// ---- engagement ----

// ---- notifications ----

}  // namespace shopcast::realtime_push
