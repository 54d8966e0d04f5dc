#include "sodium.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace shopcast::ids::internal {

void EnsureSodium() {
  static const bool kReady = [] {
    if (sodium_init() < 0) {
      std::fputs("fatal: libsodium failed to initialise; refusing to generate ids\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)kReady;
}

}  // namespace shopcast::ids::internal
