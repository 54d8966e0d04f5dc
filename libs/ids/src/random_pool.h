#pragma once

#include <cstddef>
#include <cstdint>

namespace shopcast::ids::internal {

// Fills `out` with `n` bytes (at most 64) of the kernel's CSPRNG output, read through a
// per-thread buffer. libsodium asks the kernel once per call (getrandom(2)), which costs a
// system call per id: ~6 µs on this platform's VMs, about one in twelve of a Reserve call's
// server CPU when every reservation takes a fresh id. The buffer is refilled 4 KiB at a time,
// each byte is handed out once and wiped as it goes, and a fork() discards every thread's
// buffer in the child, so parent and child never hand out the same bytes.
void RandomBytes(uint8_t* out, size_t n);

}  // namespace shopcast::ids::internal
