#include "rooms/grpc_context.h"

#include <chrono>
#include <utility>

#include "grpcpp/alarm.h"

namespace shopcast::realtime_push::rooms {

void RunInGrpcContext(std::function<void()> fn) {
  // The alarm owns the callback until it has run; deleting it from the callback is allowed
  // (the library keeps its own reference until the callback returns).
  auto* alarm = new grpc::Alarm();
  alarm->Set(std::chrono::system_clock::now(), [alarm, fn = std::move(fn)](bool) {
    fn();
    delete alarm;
  });
}

}  // namespace shopcast::realtime_push::rooms
