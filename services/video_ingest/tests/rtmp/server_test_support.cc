#include "server_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "shopcast/status/status.h"

extern char** environ;

namespace shopcast::video_ingest::rtmp::testing {
namespace {

// The recorded stream: appends each Write to the record's file.
class RecordingSession : public MediaSession {
 public:
  explicit RecordingSession(std::shared_ptr<PublishRecord> record)
      : record_(std::move(record)), out_(record_->path, std::ios::binary) {}

  bool Write(std::span<const uint8_t> bytes) override {
    if (record_->refuse_writes.load()) return false;
    std::lock_guard<std::mutex> lock(mu_);
    out_.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    out_.flush();
    record_->bytes += bytes.size();
    return true;
  }

  void Close(const absl::Status& why) override {
    {
      std::lock_guard<std::mutex> lock(record_->mu);
      record_->close_status = why;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      out_.close();
    }
    ++record_->closes;
  }

  void Refuse(const absl::Status& why) override {
    {
      std::lock_guard<std::mutex> lock(record_->mu);
      record_->close_status = why;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      out_.close();
    }
    ++record_->refusals;
  }

 private:
  std::shared_ptr<PublishRecord> record_;
  std::mutex mu_;
  std::ofstream out_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<MediaSession>> FakeAdmission::Admit(const PublishRequest& request,
                                                                   MediaFormat format,
                                                                   DisconnectFn disconnect) {
  if (request.protocol != IngestProtocol::kRtmp || format != MediaFormat::kFlv ||
      (request.stream_key != "sk_good" && request.stream_key != "sk_other")) {
    ++refused_;
    return PermissionDenied("STREAM_KEY_INVALID", "unknown stream key");
  }
  auto record = std::make_shared<PublishRecord>();
  record->key = request.stream_key;
  record->disconnect = std::move(disconnect);
  std::lock_guard<std::mutex> lock(mu_);
  record->path = dir_ + "/" + request.stream_key + "-" + std::to_string(records_.size()) + ".flv";
  records_.push_back(record);
  return std::make_shared<RecordingSession>(record);
}

std::vector<std::shared_ptr<PublishRecord>> FakeAdmission::records() {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

std::shared_ptr<PublishRecord> FakeAdmission::WaitForRecord(const std::string& key,
                                                            std::chrono::milliseconds timeout) {
  std::shared_ptr<PublishRecord> found;
  PollUntil(
      [&] {
        for (const auto& r : records()) {
          if (r->key == key) found = r;
        }
        return found != nullptr;
      },
      timeout);
  return found;
}

Tool::Tool(const std::vector<std::string>& argv, const std::string& log_path)
    : log_path_(log_path) {
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (std::string& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const int rc = posix_spawnp(&pid_, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + " (is it on PATH?)");
}

Tool::~Tool() { Kill(); }

void Tool::Kill() {
  if (Wait(std::chrono::milliseconds(0)) < 0) {
    kill(pid_, SIGKILL);
    Wait(std::chrono::milliseconds(10000));
  }
}

int Tool::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_ >= 0) return exit_code_;
  PollUntil(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        return exit_code_ >= 0;
      },
      timeout);
  return exit_code_;
}

std::string Tool::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunTool(const std::vector<std::string>& argv, const std::string& log_path,
            std::chrono::milliseconds timeout, std::string* output) {
  Tool tool(argv, log_path);
  const int code = tool.Wait(timeout);
  if (code < 0) tool.Kill();
  if (output != nullptr) *output = tool.log();
  return code;
}

TcpClient::TcpClient(uint16_t port, const std::string& source_ip) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::to_string(errno));
  if (!source_ip.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    if (inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr) != 1 ||
        bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) {
      const int err = errno;
      close(fd_);
      throw std::runtime_error("bind " + source_ip + ": " + std::to_string(err));
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd_);
    throw std::runtime_error("connect: " + std::to_string(err));
  }
}

TcpClient::~TcpClient() {
  if (fd_ >= 0) close(fd_);
}

bool TcpClient::Send(std::span<const uint8_t> bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool TcpClient::ReadExactly(size_t n, std::chrono::milliseconds timeout,
                            std::vector<uint8_t>* out) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  out->resize(n);
  size_t got = 0;
  while (got < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t r = recv(fd_, out->data() + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

bool TcpClient::Closed() {
  if (closed_) return true;
  uint8_t buf[4096];
  for (;;) {
    const ssize_t r = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (r > 0) continue;
    if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed_ = true;
    return closed_;
  }
}

bool TcpClient::WaitForClose(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Closed()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
  }
  return true;
}

bool TcpClient::Handshake(std::chrono::milliseconds timeout) {
  std::vector<uint8_t> c0c1(1 + 1536, 0);
  c0c1[0] = 3;
  if (!Send(c0c1)) return false;
  std::vector<uint8_t> s0s1s2;
  if (!ReadExactly(1 + 2 * 1536, timeout, &s0s1s2)) return false;
  // C2 echoes S1.
  return Send(std::span<const uint8_t>(s0s1s2.data() + 1, 1536));
}

}  // namespace shopcast::video_ingest::rtmp::testing
