#pragma once

// A Mailer that hands each message to an SMTP relay with libcurl: one connection per Send
// (a notification e-mail is rare next to the cost of keeping a session warm), so Send is
// thread-safe and a dead relay connection is never reused.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "mail/mailer.h"

namespace shopcast::realtime_push::mail {

struct SmtpOptions {
  // smtp://host:port (plain, or STARTTLS with require_starttls) or smtps://host:port (TLS from
  // the first byte). A path names the EHLO domain: smtp://relay:587/shopcast.example.
  std::string url;
  std::string username;  // Empty: no AUTH.
  // The caller's config reads it from a file (ReadPasswordFile); never from a flag or a log.
  std::string password;
  // smtp:// only: refuse to send unless the relay upgrades the connection with STARTTLS.
  bool require_starttls = false;
  std::string ca_file;  // PEM bundle that verifies the relay; empty: the system's CAs.
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration total_timeout = absl::Seconds(15);  // The whole Send, connect included.
};

// OK, or INVALID_ARGUMENT/SMTP_OPTIONS_INVALID naming the field. Credentials are refused on a
// connection that would carry them in the clear (smtp:// without require_starttls).
absl::Status ValidateSmtpOptions(const SmtpOptions& options);

// The content of a password file without its trailing line end; INVALID_ARGUMENT if it cannot be
// read or is empty (the message names the path, never the content).
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

// How a finished transfer maps onto the statuses of mailer.h: `curl_code` from
// curl_easy_perform, `smtp_code` the last reply the relay sent (0 if none), `message_sent`
// whether libcurl had taken the whole message for the data phase, `detail` libcurl's error text.
absl::Status SendOutcome(int curl_code, long smtp_code, bool message_sent,
                         absl::string_view detail);

class SmtpMailer : public Mailer {
 public:
  // Validates `options` and initialises libcurl once per process.
  static absl::StatusOr<std::unique_ptr<SmtpMailer>> Create(SmtpOptions options);

  absl::Status Send(const MailMessage& message) override;

 private:
  explicit SmtpMailer(SmtpOptions options) : options_(std::move(options)) {}

  const SmtpOptions options_;
};

}  // namespace shopcast::realtime_push::mail
