#include "random_pool.h"

#include <pthread.h>
#include <sodium.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sodium.h"

namespace shopcast::ids::internal {
namespace {

constexpr size_t kPoolBytes = 4096;
constexpr size_t kMaxTake = 64;

// Bumped in a forked child: a buffer filled under another generation is the parent's.
std::atomic<uint64_t> fork_generation{0};

struct Pool {
  std::array<uint8_t, kPoolBytes> bytes;
  size_t used = kPoolBytes;  // Empty until the first use.
  uint64_t generation = 0;
  ~Pool() { sodium_memzero(bytes.data(), bytes.size()); }
};

void RegisterForkHandler() {
  static const bool registered = [] {
    EnsureSodium();
    pthread_atfork(nullptr, nullptr,
                   [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
    return true;
  }();
  (void)registered;
}

}  // namespace

void RandomBytes(uint8_t* out, size_t n) {
  if (n > kMaxTake) {
    std::fprintf(stderr, "RandomBytes: at most %zu bytes per call\n", kMaxTake);
    std::abort();
  }
  RegisterForkHandler();
  thread_local Pool pool;
  const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != generation || pool.used + n > pool.bytes.size()) {
    randombytes_buf(pool.bytes.data(), pool.bytes.size());
    pool.used = 0;
    pool.generation = generation;
  }
  uint8_t* taken = pool.bytes.data() + pool.used;
  std::memcpy(out, taken, n);
  sodium_memzero(taken, n);
  pool.used += n;
}

}  // namespace shopcast::ids::internal
