#include "shopcast/testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_split.h"
#include "shopcast/testing/wait.h"

extern char** environ;

namespace shopcast::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env,
                           std::string log_path)
    : log_path_(std::move(log_path)) {
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
  for (auto& e : env) envs.push_back(std::move(e));
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (auto& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  // Nothing else of the test's: a socket the test holds (Asio opens them without CLOEXEC) must
  // not live on in the child, or closing it in the test sends no FIN and its peer never learns.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // The child must not inherit a blocked SIGTERM from a test runner that blocked it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  int rc = posix_spawn(&pid_, cargv[0], &actions, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && running()) {
    kill(pid_, SIGKILL);
    Wait(5000);
  }
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

bool ChildProcess::running() {
  if (exit_code_ >= 0) return false;
  return Wait(0) < 0;
}

int ChildProcess::Wait(int timeout_ms) {
  if (exit_code_ >= 0) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string ChildProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json ChildProcess::WaitForLogEvent(const std::string& event, absl::Duration timeout) {
  nlohmann::json found;
  bool exited = false;
  auto look = [&] {
    // Read before checking for exit, so a line written just before exiting is still seen.
    const std::string text = log();
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
      nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_object() && parsed.value("event", "") == event) {
        found = std::move(parsed);
        return true;
      }
    }
    exited = !running();
    return exited;
  };
  if (WaitUntil(look, timeout) && !found.is_null()) return found;
  throw std::runtime_error("no \"" + event + "\" in the log of " + log_path_ +
                           (exited ? " before the process exited" : " in time") + ":\n" + log());
}

std::string BinaryFromEnv(const char* env_name) {
  const char* v = std::getenv(env_name);
  if (v == nullptr || *v == '\0') {
    throw std::runtime_error(std::string("environment variable ") + env_name + " is not set");
  }
  return v;
}

}  // namespace shopcast::testing
