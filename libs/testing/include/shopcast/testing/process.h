#pragma once

// A service binary run as a child process, for tests that need a real process: signals,
// exit codes, start-up from flags and environment.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace shopcast::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv` and the current environment plus `env` ("NAME=value").
  // Its stderr goes to `log_path` (read it with log()).
  ChildProcess(std::vector<std::string> argv, std::vector<std::string> env, std::string log_path);
  ~ChildProcess();  // SIGKILLs the child if still running.
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits up to `timeout_ms` for exit; returns the exit code, 128+signal, or -1 on timeout.
  int Wait(int timeout_ms);
  bool running();
  std::string log() const;
  // The first JSON line of the log whose "event" is `event`, waiting up to `timeout` for it.
  // Throws std::runtime_error (failing the test) if the child exits or the time passes first.
  // This is how a test learns the ports a child bound with port 0 (`server_started` logs
  // grpc_port and metrics_port).
  nlohmann::json WaitForLogEvent(const std::string& event, absl::Duration timeout);

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// Path of a built binary passed to tests through the environment variable `env_name`;
// throws if unset.
std::string BinaryFromEnv(const char* env_name);

}  // namespace shopcast::testing
