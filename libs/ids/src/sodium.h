#pragma once

namespace shopcast::ids::internal {

// Initialises libsodium once per process (sodium_init is idempotent and thread-safe; the static
// only avoids repeating the call). Aborts if libsodium cannot initialise: without a working
// CSPRNG no id or secret may be produced.
void EnsureSodium();

}  // namespace shopcast::ids::internal
