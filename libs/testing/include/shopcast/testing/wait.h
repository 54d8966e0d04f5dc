#pragma once

// Waiting in tests: for a condition with a deadline (never a fixed sleep), and for another
// thread of this process to be blocked, which is what makes a "nothing happened yet" check able
// to fail. Deadlines use the steady clock.

#include <sys/types.h>

#include <functional>

#include "absl/time/time.h"

namespace shopcast::testing {

// Polls `condition` until it holds or `timeout` passes; returns its last value.
bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout,
               absl::Duration poll = absl::Milliseconds(20));

// The calling thread's kernel thread id (for WaitUntilBlocked).
pid_t CurrentThreadId();

// True once thread `tid` of this process sleeps in a futex wait (a mutex or condition variable
// wait: the kernel's view, so it cannot be confused with a thread that is merely slow to get
// there); false if it does not within `timeout`.
bool WaitUntilBlocked(pid_t tid, absl::Duration timeout);

// How many threads this process has now.
int ThreadCount();

}  // namespace shopcast::testing
