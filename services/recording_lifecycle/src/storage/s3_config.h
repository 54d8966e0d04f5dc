#pragma once

// How the cold tier reaches its S3-compatible store, and with which credentials.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/retry.h"

namespace shopcast::recording_lifecycle::storage {

// A secret: never logged, never in a flag. ToString() shows the key id only.
struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  // Temporary credentials only.
  std::string session_token;

  std::string ToString() const;
};

// Reads <prefix>_ACCESS_KEY_ID, <prefix>_SECRET_ACCESS_KEY and optionally
// <prefix>_SESSION_TOKEN from the environment, each either as the value itself or, preferred
// for Kubernetes Secrets mounted as files, as <name>_FILE naming a file that holds it (trailing
// whitespace trimmed). Setting both forms, or neither for the key id or secret, is
// INVALID_ARGUMENT naming the variable (never its value).
absl::StatusOr<S3Credentials> S3CredentialsFromEnv(absl::string_view prefix);

struct S3Options {
  // The provider's name, e.g. "archive-cold".
  std::string name = "s3";
  // scheme://host[:port] of the store, no path: "http://127.0.0.1:4568",
  // "https://s3.eu-central-1.amazonaws.com". Requests are path-style: <endpoint>/<bucket>/<key>.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string bucket;
  S3Credentials credentials;

  // Each attempt: connecting, the whole attempt, and a stall (below stall_bytes_per_second for
  // stall_time) all end it; the call's deadline bounds everything.
  absl::Duration connect_timeout = absl::Seconds(3);
  absl::Duration attempt_timeout = absl::Minutes(5);
  absl::Duration stall_time = absl::Seconds(20);
  int64_t stall_bytes_per_second = 1024;
  RetryPolicy retry;

  // Objects of more bytes go up as multipart uploads of part_size-byte parts (S3: at least
  // 5 MiB each but the last, at most 10,000 parts); each part is retried on its own.
  int64_t multipart_threshold = 64LL << 20;
  int64_t part_size = 16LL << 20;

  // S3 without SSE-KMS answers a plain PUT and each part with ETag = MD5 of the bytes; check it
  // (a second end-to-end check beside Content-MD5, which some S3-compatible servers ignore).
  bool verify_etag_md5 = true;

  // The wall clock, for presigned URLs' X-Amz-Date (tests fix it); the system clock if unset.
  std::function<absl::Time()> now;

  // OK, or INVALID_ARGUMENT naming the first bad setting.
  absl::Status Validate() const;
};

}  // namespace shopcast::recording_lifecycle::storage
