#pragma once

// A counting semaphore with a bounded wait, for work whose memory must be capped: each
// Argon2id hash takes 19 MiB, so N slots bound hashing to N × 19 MiB however many calls come.

#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shopcast::user {

class ConcurrencyLimit {
 public:
  // Holds one slot until destroyed.
  class Slot {
   public:
    explicit Slot(ConcurrencyLimit* owner) : owner_(owner) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->Release();
    }

   private:
    ConcurrencyLimit* owner_;
  };

  // `max_in_use` ≥ 1 slots; Acquire waits at most `max_wait` for one.
  ConcurrencyLimit(int max_in_use, absl::Duration max_wait);

  // A slot, or nullopt if none came free within max_wait.
  std::optional<Slot> Acquire();

  int in_use() const;
  int max_in_use() const { return max_in_use_; }

 private:
  void Release();

  const int max_in_use_;
  const absl::Duration max_wait_;
  mutable absl::Mutex mu_;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::user
