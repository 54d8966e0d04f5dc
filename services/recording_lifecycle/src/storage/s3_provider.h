#pragma once

// The cold tier: an S3-compatible object store over HTTP(S), path-style
// (<endpoint>/<bucket>/<key>), requests signed with libcurl's built-in AWS SigV4
// (CURLOPT_AWS_SIGV4), presigned GET URLs signed here (sigv4.h).
//
// Integrity: Put hashes the file first (a SHA-256 other than the caller's fails with DATA_LOSS
// before a byte is sent), then sends x-amz-content-sha256 and Content-MD5 (S3 refuses a body
// that does not match: BadDigest/XAmzContentSHA256Mismatch -> DATA_LOSS), checks the returned
// ETag against the MD5 (options.verify_etag_md5) and records the SHA-256 as the object's
// x-amz-meta-sha256, which Stat reports and GetToFile verifies.
// Files above options.multipart_threshold go up as multipart uploads: parts sent and retried one
// by one, the whole file's SHA-256 re-checked while reading them, Complete only when every part
// matched, Abort (best effort) on any failure, so no partial object ever becomes visible.
//
// Every request has a connect timeout, a per-attempt timeout and a stall limit; retryable
// failures (connection errors, timeouts, 5xx, 429, RequestTimeout) are retried with full-jitter
// backoff up to options.retry.max_attempts, never past the call's deadline. Thread-safe: calls
// may run concurrently (each request has its own curl handle).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "storage/s3_config.h"
#include "storage/storage_metrics.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::storage {

class S3Provider final : public StorageProvider {
 public:
  // INVALID_ARGUMENT when the options do not Validate(). `metrics` may be null; it must outlive
  // the provider.
  static absl::StatusOr<std::unique_ptr<S3Provider>> Create(S3Options options,
                                                            StorageMetrics* metrics = nullptr);
  ~S3Provider() override;

  const std::string& name() const override { return options_.name; }
  const S3Options& options() const { return options_; }

  absl::Status Put(absl::string_view key, const std::filesystem::path& source,
                   absl::string_view sha256, const CallOptions& options = {}) override;
  absl::Status GetToFile(absl::string_view key, const std::filesystem::path& destination,
                         const CallOptions& options = {}) override;
  absl::StatusOr<std::string> GetRange(absl::string_view key, int64_t offset, int64_t length,
                                       const CallOptions& options = {}) override;
  absl::StatusOr<ObjectInfo> Stat(absl::string_view key, const CallOptions& options = {}) override;
  absl::Status Delete(absl::string_view key, const CallOptions& options = {}) override;
  absl::StatusOr<ListPage> List(absl::string_view prefix, absl::string_view page_token,
                                int max_keys, const CallOptions& options = {}) override;
  absl::StatusOr<std::string> PresignGet(absl::string_view key, absl::Duration ttl) override;

  // One HTTP exchange, public for the provider's own helpers only.
  struct Request;
  struct Response;

 private:
  S3Provider(S3Options options, StorageMetrics* metrics);

  absl::StatusOr<Response> Attempt(absl::string_view op, const Request& request,
                                   Clock::time_point attempt_deadline);
  // Attempts with retries and backoff until success, a final error or the deadline.
  absl::StatusOr<Response> Call(absl::string_view op, const Request& request,
                                const CallOptions& options);
  absl::Status PutSingle(absl::string_view key, int fd, int64_t size, absl::string_view sha256,
                         const CallOptions& options);
  absl::Status PutMultipart(absl::string_view key, int fd, int64_t size, absl::string_view sha256,
                            const CallOptions& options);
  absl::Status Abort(absl::string_view key, const std::string& upload_id);
  double Uniform01();

  S3Options options_;
  StorageMetrics* metrics_;
  absl::Mutex rng_mu_;
  absl::BitGen rng_ ABSL_GUARDED_BY(rng_mu_);
};

// The Content-Type an object of this key is stored with (.ts video/mp2t, .m3u8, .mp4, .jpg,
// .json; application/octet-stream otherwise), so presigned URLs serve what players expect.
std::string ContentTypeForKey(absl::string_view key);

}  // namespace shopcast::recording_lifecycle::storage
