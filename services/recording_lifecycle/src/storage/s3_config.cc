#include "storage/s3_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "shopcast/status/status.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::storage {
namespace {

constexpr char kReasonConfig[] = "STORAGE_CONFIG_INVALID";

absl::Status Bad(absl::string_view field, absl::string_view message) {
  return InvalidArgument(field, kReasonConfig, message);
}

// The value of `name` or of the file `name`_FILE names; "" when neither is set.
absl::StatusOr<std::string> Secret(const std::string& name) {
  const char* direct = std::getenv(name.c_str());
  std::string file_var = name + "_FILE";
  const char* file = std::getenv(file_var.c_str());
  bool has_direct = direct != nullptr && *direct != '\0';
  bool has_file = file != nullptr && *file != '\0';
  if (has_direct && has_file) {
    return Bad(name, absl::StrCat("set ", name, " or ", file_var, ", not both"));
  }
  if (has_direct) return std::string(absl::StripTrailingAsciiWhitespace(direct));
  if (!has_file) return std::string();
  std::ifstream in(file, std::ios::binary);
  if (!in) return Bad(file_var, absl::StrCat(file_var, ": cannot read the file it names"));
  std::stringstream text;
  text << in.rdbuf();
  std::string value(absl::StripTrailingAsciiWhitespace(text.str()));
  if (value.empty()) return Bad(file_var, absl::StrCat(file_var, ": the file is empty"));
  return value;
}

bool ValidBucket(absl::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return false;
    }
  }
  return absl::ascii_isalnum(static_cast<unsigned char>(b.front())) &&
         absl::ascii_isalnum(static_cast<unsigned char>(b.back()));
}

}  // namespace

std::string S3Credentials::ToString() const {
  return absl::StrCat("S3Credentials{access_key_id=", access_key_id,
                      ", secret_access_key=<redacted>",
                      session_token.empty() ? "" : ", session_token=<redacted>", "}");
}

absl::StatusOr<S3Credentials> S3CredentialsFromEnv(absl::string_view prefix) {
  std::string p(prefix);
  S3Credentials c;
  ASSIGN_OR_RETURN(c.access_key_id, Secret(p + "_ACCESS_KEY_ID"));
  ASSIGN_OR_RETURN(c.secret_access_key, Secret(p + "_SECRET_ACCESS_KEY"));
  ASSIGN_OR_RETURN(c.session_token, Secret(p + "_SESSION_TOKEN"));
  if (c.access_key_id.empty()) {
    return Bad(p + "_ACCESS_KEY_ID", absl::StrCat(p, "_ACCESS_KEY_ID (or _FILE) is not set"));
  }
  if (c.secret_access_key.empty()) {
    return Bad(p + "_SECRET_ACCESS_KEY",
               absl::StrCat(p, "_SECRET_ACCESS_KEY (or _FILE) is not set"));
  }
  return c;
}

absl::Status S3Options::Validate() const {
  absl::string_view rest = endpoint;
  if (!absl::ConsumePrefix(&rest, "http://") && !absl::ConsumePrefix(&rest, "https://")) {
    return Bad("endpoint", "endpoint: http(s)://host[:port] expected");
  }
  if (rest.empty() || absl::StrContains(rest, '/') || absl::StrContains(rest, '@') ||
      absl::StrContains(rest, '?')) {
    return Bad("endpoint", "endpoint: http(s)://host[:port], without path or user");
  }
  if (!ValidBucket(bucket)) {
    return Bad("bucket",
               "bucket: 3-63 characters of a-z 0-9 . -, starting and ending alphanumeric");
  }
  if (region.empty()) return Bad("region", "region: required (e.g. us-east-1)");
  for (char c : region) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Bad("region", "region: letters, digits and '-'");
    }
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Bad("credentials", "credentials: access key id and secret access key required");
  }
  if (connect_timeout <= absl::ZeroDuration() || attempt_timeout <= absl::ZeroDuration() ||
      stall_time <= absl::ZeroDuration()) {
    return Bad("timeouts", "timeouts must be positive");
  }
  if (retry.max_attempts < 1 || retry.max_attempts > 20) {
    return Bad("retry", "retry.max_attempts: 1..20");
  }
  if (retry.initial_backoff < absl::ZeroDuration() || retry.max_backoff < retry.initial_backoff) {
    return Bad("retry", "retry backoff: 0 <= initial <= max");
  }
  if (part_size < (5LL << 20) || part_size > (5LL << 30)) {
    return Bad("part_size", "part_size: 5 MiB..5 GiB (S3's part limits)");
  }
  if (multipart_threshold < part_size) {
    return Bad("multipart_threshold", "multipart_threshold: at least part_size");
  }
  return absl::OkStatus();
}

}  // namespace shopcast::recording_lifecycle::storage
