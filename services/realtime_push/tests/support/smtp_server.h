#pragma once

// A real SMTP server for tests: tests/support/smtp_server.py (aiosmtpd) in a child process on a
// free loopback port, storing what it receives in a temporary folder. The child's stdin is a
// pipe from this process, so it also stops if the test process dies without cleaning up.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace shopcast::testing {
class TempDir;
}  // namespace shopcast::testing

namespace shopcast::realtime_push::testing {

// What a SmtpTestServer demands of its clients before it takes mail.
struct SmtpServerSecurity {
  // STARTTLS required, with a self-signed certificate made at start (see ca_file()).
  bool starttls = false;
  // Non-empty: AUTH required (after STARTTLS, so set starttls too) with these credentials.
  std::string username;
  std::string password;
};

class SmtpTestServer {
 public:
  enum class Mode {
    kAccept,         // 250 to everything; messages are stored.
    kRejectRcpt,     // 550 to RCPT TO.
    kDeferRcpt,      // 451 to RCPT TO.
    kRejectData,     // 554 after the data.
    kDropAfterData,  // Stores the message, then drops the connection without a reply.
    kSilent,         // Accepts connections and never answers, not even with a greeting.
  };

  // One message as the server received and parsed it.
  struct Received {
    std::string raw;  // The bytes after DATA, dot-stuffing removed (CRLF line ends).
    std::string mail_from;
    std::vector<std::string> rcpt_tos;
    // Decoded by Python's email package: an independent check of our encoder.
    std::string subject;
    std::string message_id;
    std::string content_type;
    std::string charset;
    std::string body;  // Transfer encoding undone, charset decoded, re-encoded as UTF-8.
    std::vector<std::string> defects;  // Parse problems the email package found.
    bool tls = false;                  // Sent after STARTTLS.
    std::string auth_login;            // The user it was sent as; "" without AUTH.
  };

  // Starts the server and waits (up to 30 s) for its port; throws std::runtime_error with its
  // log if it does not start.
  explicit SmtpTestServer(Mode mode = Mode::kAccept, const SmtpServerSecurity& security = {});
  ~SmtpTestServer();  // Closes the server's stdin and waits for it; SIGKILL as a last resort.
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // The PEM certificate a client must trust to verify the server; "" without STARTTLS.
  const std::string& ca_file() const { return ca_file_; }

  // Where each accepted message appears as NNNNNN.json (envelope, decoded subject and body)
  // beside NNNNNN.eml, the .json first, each whole (for readers in other processes).
  const std::string& messages_dir() const { return messages_dir_; }
  // Messages stored so far, oldest first.
  std::vector<Received> Messages() const;
  // Waits until at least `count` messages are stored; false if `timeout` passes first.
  bool WaitForMessages(size_t count, absl::Duration timeout) const;
  // The server's stderr so far, for failure messages.
  std::string log() const;

 private:
  // Closes the server's stdin and reaps it (SIGKILL after 10 s). Idempotent.
  void Stop();

  std::unique_ptr<shopcast::testing::TempDir> dir_;
  std::string messages_dir_;
  std::string log_path_;
  std::string ca_file_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;  // Our end of the child's stdin; closing it stops the server.
  int port_ = 0;
};

// A loopback port with nothing listening: bound with port 0, then closed.
int UnusedPort();

}  // namespace shopcast::realtime_push::testing
