#pragma once

// Test doubles and helpers for the RTMP server tests: a PublishAdmission that records every
// admitted publish into a file, child processes for real clients (ffmpeg, gst-launch-1.0,
// ffprobe) found on PATH, and a raw TCP client for hostile input.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "publish/publish.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::rtmp::testing {

using shopcast::testing::TempDir;

// What one admitted publish did. Thread-safe.
struct PublishRecord {
  std::string key;
  std::string path;  // The FLV bytes, exactly as Write received them.
  std::atomic<uint64_t> bytes{0};
  std::atomic<int> closes{0};
  std::atomic<int> refusals{0};            // MediaSession::Refuse calls (instead of Close).
  std::atomic<bool> refuse_writes{false};  // Write returns false once set.
  DisconnectFn disconnect;

  std::mutex mu;
  absl::Status close_status;
};

// Admits "sk_good" and "sk_other", refuses every other key with
// PERMISSION_DENIED/STREAM_KEY_INVALID.
class FakeAdmission : public PublishAdmission {
 public:
  explicit FakeAdmission(std::string dir) : dir_(std::move(dir)) {}

  absl::StatusOr<std::shared_ptr<MediaSession>> Admit(const PublishRequest& request,
                                                      MediaFormat format,
                                                      DisconnectFn disconnect) override;

  std::vector<std::shared_ptr<PublishRecord>> records();
  int refused() const { return refused_.load(); }
  // The first record for `key`, waiting up to `timeout` for it; nullptr if none came.
  std::shared_ptr<PublishRecord> WaitForRecord(const std::string& key,
                                               std::chrono::milliseconds timeout);

 private:
  std::string dir_;
  std::atomic<int> refused_{0};
  std::mutex mu_;
  std::vector<std::shared_ptr<PublishRecord>> records_;
};

// A client tool run from PATH, its stdout and stderr in `log_path`. Killed if still running
// when destroyed.
class Tool {
 public:
  Tool(const std::vector<std::string>& argv, const std::string& log_path);
  ~Tool();
  Tool(const Tool&) = delete;
  Tool& operator=(const Tool&) = delete;

  // Exit code, 128+signal, or -1 if still running after `timeout`.
  int Wait(std::chrono::milliseconds timeout);
  void Kill();
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// Runs a tool to completion (up to `timeout`); returns its exit code (-1 on timeout, then
// killed) and its combined output in `output`.
int RunTool(const std::vector<std::string>& argv, const std::string& log_path,
            std::chrono::milliseconds timeout, std::string* output);

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns its last value.
template <typename F>
bool PollUntil(F&& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A blocking TCP client to 127.0.0.1 for hostile input. Never raises SIGPIPE.
class TcpClient {
 public:
  // From `source_ip` (any loopback address, 127.0.0.1 by default, so tests can play several
  // hosts). Throws std::runtime_error if it cannot connect.
  explicit TcpClient(uint16_t port, const std::string& source_ip = "");
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  // Sends all of `bytes`; false if the connection is gone.
  bool Send(std::span<const uint8_t> bytes);
  // Reads exactly `n` bytes within `timeout`; false on EOF, error or timeout.
  bool ReadExactly(size_t n, std::chrono::milliseconds timeout, std::vector<uint8_t>* out);
  // Reads (and drops) data until the server closes (EOF or reset); false if still open after
  // `timeout`.
  bool WaitForClose(std::chrono::milliseconds timeout);
  // Non-blocking: true once the server has closed (EOF or reset). Drains pending data.
  bool Closed();
  // A plain RTMP handshake (C0+C1, S0+S1+S2, C2); false if the server refused it.
  bool Handshake(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

}  // namespace shopcast::video_ingest::rtmp::testing
