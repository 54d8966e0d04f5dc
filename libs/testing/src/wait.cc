#include "shopcast/testing/wait.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace shopcast::testing {

bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout,
               absl::Duration poll) {
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(poll));
  }
  return condition();
}

pid_t CurrentThreadId() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

namespace {

// /proc/self/task/<tid>/stat's state letter, and the system call the thread is in (the first
// field of /proc/self/task/<tid>/syscall: a number, "running", or -1 outside any call).
bool SleepsInFutex(pid_t tid) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  std::ifstream stat_file(task + "/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // The state follows the parenthesised command name, which may itself contain spaces.
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos || name_end + 2 >= stat.size()) return false;
  if (stat[name_end + 2] != 'S') return false;
  std::ifstream syscall_file(task + "/syscall");
  std::string call;
  syscall_file >> call;
  return call == std::to_string(SYS_futex);
}

}  // namespace

bool WaitUntilBlocked(pid_t tid, absl::Duration timeout) {
  return WaitUntil([tid] { return SleepsInFutex(tid); }, timeout, absl::Milliseconds(1));
}

int ThreadCount() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

}  // namespace shopcast::testing
