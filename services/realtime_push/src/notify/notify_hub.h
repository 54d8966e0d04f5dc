#pragma once

// This replica's live inbox subscribers by user, and what wakes them: NOTIFYs on
// sql::kChannel (received on the rooms FeedHub's LISTEN connection, see FeedHub::AddChannel),
// and a periodic tick that is the fallback for notifications missed while that connection was
// down and the clock for keep-alives. Waking a subscriber only tells it to read; what it reads
// comes from the database, so a lost or repeated wake-up never loses or repeats an entry.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shopcast::realtime_push::notify {

class InboxListener {
 public:
  virtual ~InboxListener() = default;
  // New entries may exist for this listener's user.
  virtual void Wake() = 0;
  // Periodic: re-read (fallback) and keep-alives.
  virtual void Tick() = 0;
  virtual void Close(const absl::Status& status) = 0;
};

class NotifyHub {
 public:
  explicit NotifyHub(absl::Duration tick) : tick_(tick) {}
  ~NotifyHub();  // Stop()s.
  NotifyHub(const NotifyHub&) = delete;
  NotifyHub& operator=(const NotifyHub&) = delete;

  void Start();
  void Stop();

  void Attach(const std::string& user_id, std::weak_ptr<InboxListener> listener);
  void Detach(const std::string& user_id, const InboxListener* listener);
  // A NOTIFY payload: the user whose inbox changed.
  void OnNotification(const std::string& user_id);
  // Ends every subscription here (shutdown).
  void CloseAll(const absl::Status& status);
  size_t subscribers() const;

 private:
  std::vector<std::shared_ptr<InboxListener>> All() const;

  const absl::Duration tick_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<std::weak_ptr<InboxListener>>> by_user_
      ABSL_GUARDED_BY(mu_);
  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::realtime_push::notify
