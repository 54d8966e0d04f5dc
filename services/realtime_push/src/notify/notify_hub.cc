#include "notify/notify_hub.h"

#include <algorithm>

namespace shopcast::realtime_push::notify {

NotifyHub::~NotifyHub() { Stop(); }

void NotifyHub::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      {
        absl::MutexLock lock(&stop_mu_);
        if (stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick_)) return;
      }
      for (auto& l : All()) l->Tick();
    }
  });
}

void NotifyHub::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void NotifyHub::Attach(const std::string& user_id, std::weak_ptr<InboxListener> listener) {
  absl::MutexLock lock(&mu_);
  by_user_[user_id].push_back(std::move(listener));
}

void NotifyHub::Detach(const std::string& user_id, const InboxListener* listener) {
  absl::MutexLock lock(&mu_);
  auto it = by_user_.find(user_id);
  if (it == by_user_.end()) return;
  auto& v = it->second;
  v.erase(std::remove_if(v.begin(), v.end(),
                         [&](const std::weak_ptr<InboxListener>& w) {
                           auto l = w.lock();
                           return l == nullptr || l.get() == listener;
                         }),
          v.end());
  if (v.empty()) by_user_.erase(it);
}

void NotifyHub::OnNotification(const std::string& user_id) {
  std::vector<std::shared_ptr<InboxListener>> woken;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_user_.find(user_id);
    if (it == by_user_.end()) return;
    for (auto& w : it->second) {
      if (auto l = w.lock()) woken.push_back(std::move(l));
    }
  }
  // Outside the lock: a listener may detach while woken.
  for (auto& l : woken) l->Wake();
}

void NotifyHub::CloseAll(const absl::Status& status) {
  for (auto& l : All()) l->Close(status);
}

size_t NotifyHub::subscribers() const {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [user, v] : by_user_) n += v.size();
  return n;
}

std::vector<std::shared_ptr<InboxListener>> NotifyHub::All() const {
  std::vector<std::shared_ptr<InboxListener>> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [user, v] : by_user_) {
    for (const auto& w : v) {
      if (auto l = w.lock()) out.push_back(std::move(l));
    }
  }
  return out;
}

}  // namespace shopcast::realtime_push::notify
