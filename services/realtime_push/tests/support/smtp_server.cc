#include "support/smtp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "nlohmann/json.hpp"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

extern char** environ;

namespace shopcast::realtime_push::testing {
namespace {

namespace fs = std::filesystem;

const char* ModeFlag(SmtpTestServer::Mode mode) {
  switch (mode) {
    case SmtpTestServer::Mode::kAccept:
      return "accept";
    case SmtpTestServer::Mode::kRejectRcpt:
      return "reject-rcpt";
    case SmtpTestServer::Mode::kDeferRcpt:
      return "defer-rcpt";
    case SmtpTestServer::Mode::kRejectData:
      return "reject-data";
    case SmtpTestServer::Mode::kDropAfterData:
      return "drop-after-data";
    case SmtpTestServer::Mode::kSilent:
      return "silent";
  }
  return "accept";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string StringField(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

std::vector<std::string> StringList(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array()) {
    for (const auto& item : j[key]) out.push_back(item.get<std::string>());
  }
  return out;
}

// Reads the child's first stdout line (its port) until `deadline`; "" if the child closed its
// stdout (it died) or the time passed.
std::string ReadFirstLine(int fd, std::chrono::steady_clock::time_point deadline) {
  std::string text;
  while (text.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return "";
    char buffer[64];
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "";
    text.append(buffer, static_cast<size_t>(n));
  }
  return text.substr(0, text.find('\n'));
}

}  // namespace

SmtpTestServer::SmtpTestServer(Mode mode, const SmtpServerSecurity& security)
    : dir_(std::make_unique<shopcast::testing::TempDir>()) {
  messages_dir_ = dir_->File("messages");
  log_path_ = dir_->File("server.log");
  fs::create_directory(messages_dir_);
  std::vector<std::string> argv = {REALTIME_PUSH_TEST_PYTHON,
                                   REALTIME_PUSH_SMTP_SERVER_SCRIPT,
                                   "--dir",
                                   messages_dir_,
                                   "--mode",
                                   ModeFlag(mode)};
  if (security.starttls) {
    argv.insert(argv.end(), {"--starttls-dir", dir_->File("tls")});
    ca_file_ = dir_->File("tls/cert.pem");
  }
  if (!security.username.empty()) {
    // A file, as a real relay's secret would be: never on a command line.
    const std::string password_file = dir_->File("password");
    std::ofstream(password_file) << security.password;
    argv.insert(argv.end(),
                {"--auth-user", security.username, "--auth-password-file", password_file});
  }

  int in_fds[2];
  int out_fds[2];
  if (pipe2(in_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  if (pipe2(out_fds, O_CLOEXEC) != 0) {
    close(in_fds[0]);
    close(in_fds[1]);
    throw std::runtime_error("pipe2 failed");
  }
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the copies, so only these two pipe ends reach the child.
  posix_spawn_file_actions_adddup2(&actions, in_fds[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  // As ChildProcess does: the child must not inherit a test runner's blocked SIGTERM.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  const int rc = posix_spawn(&pid_, cargv[0], &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(in_fds[0]);
  close(out_fds[1]);
  stdin_fd_ = in_fds[1];
  if (rc != 0) {
    pid_ = -1;
    close(out_fds[0]);
    throw std::runtime_error(std::string("cannot start ") + argv[0] + ": " + strerror(rc));
  }

  // Python and aiosmtpd take a while to import on a loaded machine (and openssl to make a key).
  const std::string line =
      ReadFirstLine(out_fds[0], std::chrono::steady_clock::now() + std::chrono::seconds(30));
  close(out_fds[0]);  // The port is all it prints.
  try {
    port_ = std::stoi(line);
  } catch (const std::exception&) {
    port_ = 0;
  }
  if (port_ <= 0) {
    const std::string why = "the SMTP test server did not report its port:\n" + log();
    Stop();
    throw std::runtime_error(why);
  }
}

SmtpTestServer::~SmtpTestServer() { Stop(); }

void SmtpTestServer::Stop() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }
  if (pid_ > 0) {
    int status = 0;
    const bool exited =
        shopcast::testing::WaitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; },
                                     absl::Seconds(10), absl::Milliseconds(10));
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
}

std::vector<SmtpTestServer::Received> SmtpTestServer::Messages() const {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(messages_dir_)) {
    if (entry.path().extension() == ".eml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Received> out;
  for (const fs::path& eml : files) {
    fs::path facts_path = eml;
    facts_path.replace_extension(".json");
    const nlohmann::json facts = nlohmann::json::parse(ReadFile(facts_path));
    Received r;
    r.raw = ReadFile(eml);
    r.mail_from = StringField(facts, "mail_from");
    r.rcpt_tos = StringList(facts, "rcpt_tos");
    r.subject = StringField(facts, "subject");
    r.message_id = StringField(facts, "message_id");
    r.content_type = StringField(facts, "content_type");
    r.charset = StringField(facts, "charset");
    r.body = StringField(facts, "body");
    r.defects = StringList(facts, "defects");
    r.tls = facts.value("tls", false);
    r.auth_login = StringField(facts, "auth_login");
    out.push_back(std::move(r));
  }
  return out;
}

bool SmtpTestServer::WaitForMessages(size_t count, absl::Duration timeout) const {
  return shopcast::testing::WaitUntil([&] { return Messages().size() >= count; }, timeout);
}

std::string SmtpTestServer::log() const { return ReadFile(log_path_); }

int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    close(fd);
    throw std::runtime_error("bind to a free port failed");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace shopcast::realtime_push::testing
