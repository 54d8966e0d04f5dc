#include "mail/smtp_mailer.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mail/mail_format.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::mail {
namespace {

absl::Status BadOption(absl::string_view field, absl::string_view message) {
  return InvalidArgument(field, "SMTP_OPTIONS_INVALID", message);
}

// curl_global_init is not thread-safe against other libcurl calls in older releases; a
// function-local static runs it exactly once, before any handle exists. Never cleaned up:
// handles may be in use until the process exits.
CURLcode GlobalInit() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  return rc;
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The message as libcurl reads it. `finished` turns true once libcurl has been handed the last
// byte: from then on the relay may accept the message even if its reply never arrives.
struct Upload {
  absl::string_view text;
  size_t offset = 0;
  bool finished = false;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->text.size() - upload->offset);
  std::memcpy(buffer, upload->text.data() + upload->offset, n);
  upload->offset += n;
  if (n == 0) upload->finished = true;
  return n;
}

long Millis(absl::Duration d) { return static_cast<long>(absl::ToInt64Milliseconds(d)); }

}  // namespace

absl::Status ValidateSmtpOptions(const SmtpOptions& options) {
  const std::string url = absl::AsciiStrToLower(options.url);
  const bool implicit_tls = absl::StartsWith(url, "smtps://");
  if (!implicit_tls && !absl::StartsWith(url, "smtp://")) {
    return BadOption("url", "url must be smtp://host:port or smtps://host:port");
  }
  if (url.size() == (implicit_tls ? 8 : 7) || url[implicit_tls ? 8 : 7] == '/') {
    return BadOption("url", "url has no host");
  }
  if (options.require_starttls && implicit_tls) {
    return BadOption("require_starttls", "STARTTLS is for smtp://; smtps:// is TLS already");
  }
  if (!options.password.empty() && options.username.empty()) {
    return BadOption("username", "a password needs a username");
  }
  if (!options.username.empty() && !implicit_tls && !options.require_starttls) {
    return BadOption("username", "credentials need smtps:// or require_starttls");
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.total_timeout <= absl::ZeroDuration()) {
    return BadOption("timeout", "timeouts must be > 0");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return InvalidArgument("password_file", "SMTP_OPTIONS_INVALID",
                           absl::StrCat("cannot read the password file ", path));
  }
  std::stringstream content;
  content << in.rdbuf();
  std::string password = content.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) {
    return InvalidArgument("password_file", "SMTP_OPTIONS_INVALID",
                           absl::StrCat("the password file ", path, " is empty"));
  }
  return password;
}

absl::Status SendOutcome(int curl_code, long smtp_code, bool message_sent,
                         absl::string_view detail) {
  if (curl_code == CURLE_OK) return absl::OkStatus();
  const std::string text =
      absl::StrCat(detail.empty() ? curl_easy_strerror(static_cast<CURLcode>(curl_code)) : detail,
                   " (smtp ", smtp_code, ")");
  // Refused credentials or TLS are the relay's set-up, not this message's: the outbox keeps the
  // message and retries once an operator has fixed them.
  if (curl_code == CURLE_LOGIN_DENIED || curl_code == CURLE_USE_SSL_FAILED) {
    return Error(absl::StatusCode::kUnavailable, kSmtpUnavailable, text);
  }
  // A reply that refuses, at any stage, means the relay did not take the message (RFC 5321
  // 4.2.1): 5yz for good, 4yz for now.
  if (smtp_code >= 500 && smtp_code <= 599) {
    return Error(absl::StatusCode::kFailedPrecondition, kSmtpRejected, text);
  }
  if (smtp_code >= 400 && smtp_code <= 499) {
    return Error(absl::StatusCode::kUnavailable, kSmtpUnavailable, text);
  }
  // No refusal, yet no success: the connection failed or timed out. Before the end of the
  // message the relay cannot have accepted it; after, it may have.
  if (message_sent) {
    return Error(absl::StatusCode::kUnknown, kSmtpOutcomeUnknown, text);
  }
  return Error(absl::StatusCode::kUnavailable, kSmtpUnavailable, text);
}

absl::StatusOr<std::unique_ptr<SmtpMailer>> SmtpMailer::Create(SmtpOptions options) {
  RETURN_IF_ERROR(ValidateSmtpOptions(options));
  if (const CURLcode rc = GlobalInit(); rc != CURLE_OK) {
    return Error(absl::StatusCode::kInternal, "CURL_INIT_FAILED",
                 absl::StrCat("curl_global_init: ", curl_easy_strerror(rc)));
  }
  return std::unique_ptr<SmtpMailer>(new SmtpMailer(std::move(options)));
}

absl::Status SmtpMailer::Send(const MailMessage& message) {
  ASSIGN_OR_RETURN(const std::string text, FormatMailMessage(message, absl::Now()));
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) {
    return Error(absl::StatusCode::kUnavailable, kSmtpUnavailable, "curl_easy_init failed");
  }
  std::unique_ptr<curl_slist, CurlDeleter> recipients(
      curl_slist_append(nullptr, absl::StrCat("<", message.to, ">").c_str()));
  if (recipients == nullptr) {
    return Error(absl::StatusCode::kUnavailable, kSmtpUnavailable, "out of memory");
  }
  const std::string mail_from = absl::StrCat("<", message.from, ">");
  Upload upload{text};
  char error[CURL_ERROR_SIZE] = {};

  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  // Only mail: a URL naming another scheme must not make this code speak it.
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // libcurl's timeouts otherwise use signals, which are not safe with several threads.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // The relay is reached directly, whatever *_proxy variables the environment has.
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, Millis(options_.connect_timeout));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, Millis(options_.total_timeout));
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   options_.require_starttls ? static_cast<long>(CURLUSESSL_ALL)
                                             : static_cast<long>(CURLUSESSL_NONE));
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);

  const auto start = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(h);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  long smtp_code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &smtp_code);
  absl::Status status = SendOutcome(rc, smtp_code, upload.finished, error);

  // Never the body, the subject or the password; the recipient is personal data too.
  if (status.ok()) {
    log::Info("mail_sent").Kv("message_id", message.message_id).Kv("ms", ms);
  } else {
    log::Warn("mail_send_failed")
        .Kv("message_id", message.message_id)
        .Kv("code", absl::StatusCodeToString(status.code()))
        .Kv("reason", ReasonOf(status))
        .Kv("smtp_code", static_cast<int64_t>(smtp_code))
        .Kv("curl_code", static_cast<int>(rc))
        .Kv("error", status.message())
        .Kv("ms", ms);
  }
  return status;
}

}  // namespace shopcast::realtime_push::mail
