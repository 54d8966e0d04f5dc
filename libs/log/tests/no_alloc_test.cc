// Logging runs on gRPC's threads for every RPC: an access-log line must not allocate there.
// Its own binary, since it replaces the global operator new to count allocations per thread.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <string>

#include "shopcast/log/log.h"

namespace {
thread_local long allocations = 0;  // this thread's calls to operator new
}  // namespace

void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

void LogAccessLine(const std::string& request_id) {
  shopcast::log::Warn("rpc")
      .Kv("method", "GetSigningKeys")
      .Kv("service_name", "shopcast.user.v1.UserService")
      .Kv("code", "FAILED_PRECONDITION")
      .Kv("ms", 0.042)
      .Kv("request_id", request_id)
      .Kv("reason", "REGISTRATION_THROTTLED");
}

}  // namespace

TEST_CASE("an access-log line allocates nothing on the thread that logs it") {
  shopcast::log::Configure(shopcast::log::Level::kInfo, "user");
  const std::string request_id = "req_0123456789ABCDEFGHJKMNPQRS";
  // Warm up: the writer thread starts, and each of the queue's two alternating buffers (a
  // flush hands the filled one to the writer) gets room for a line.
  for (int round = 0; round < 2; ++round) {
    LogAccessLine(request_id);
    REQUIRE(shopcast::log::Flush(absl::Seconds(30)));
  }
  long made = 0;
  for (int i = 0; i < 10; ++i) {
    const long before = allocations;
    LogAccessLine(request_id);
    made += allocations - before;
    REQUIRE(shopcast::log::Flush(absl::Seconds(30)));
  }
  CHECK(made == 0);
}
