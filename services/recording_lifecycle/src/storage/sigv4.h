#pragma once

// AWS Signature Version 4
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html), the
// parts our code computes itself: presigned GET URLs (query signing, which libcurl cannot do), and
// the canonical request of a header-signed request so tests can check what libcurl signed.
// HMAC-SHA256 and SHA-256 come from OpenSSL. Pure functions; the time is a parameter.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shopcast::recording_lifecycle::storage::sigv4 {

inline constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";
inline constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";
// SHA-256 of no bytes.
inline constexpr char kEmptySha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// S3 refuses presigned URLs valid for longer than a week.
inline constexpr absl::Duration kMaxPresignTtl = absl::Hours(24 * 7);

// RFC 3986 unreserved characters kept, every other byte %XX (upper-case hex); '/' kept when
// `keep_slash` (object key paths).
std::string UriEncode(absl::string_view text, bool keep_slash);

// "20130524T000000Z" and "20130524" (UTC).
std::string AmzDate(absl::Time t);
std::string DateStamp(absl::Time t);

// Query parameters, each name and value URI-encoded, sorted by encoded name then value,
// "name=value" joined by '&' (an empty value keeps its '=').
std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> params);

struct CanonicalInput {
  std::string method;
  // Already-encoded absolute path, e.g. "/bucket/key" or "/test.txt".
  std::string canonical_uri;
  std::string canonical_query;
  // Header names (any case) and values; lower-cased, trimmed and sorted here.
  std::vector<std::pair<std::string, std::string>> headers;
  // Hex SHA-256 of the payload, or kUnsignedPayload.
  std::string payload_hash;
};

// The canonical request text, and the "a;b;c" signed-headers list it implies.
std::string CanonicalRequest(const CanonicalInput& in);
std::string SignedHeaders(const CanonicalInput& in);

// "<date>/<region>/<service>/aws4_request".
std::string Scope(absl::Time t, absl::string_view region, absl::string_view service);

std::string StringToSign(absl::Time t, absl::string_view scope,
                         absl::string_view canonical_request);

// The derived signing key (raw bytes) and the final hex signature.
std::string SigningKey(absl::string_view secret, absl::Time t, absl::string_view region,
                       absl::string_view service);
std::string Signature(absl::string_view signing_key, absl::string_view string_to_sign);

struct PresignInput {
  // "http://127.0.0.1:9000" or "https://examplebucket.s3.amazonaws.com": scheme://host[:port],
  // no path.
  std::string endpoint;
  // Encoded absolute path of the object: "/bucket/key" (path style) or "/key".
  std::string canonical_uri;
  std::string region;
  std::string service = "s3";
  std::string access_key_id;
  std::string secret_access_key;
  // Temporary credentials' token; sent as X-Amz-Security-Token when set.
  std::string session_token;
  absl::Time now;
  absl::Duration ttl;
};

// A presigned GET URL (signed header: host; payload UNSIGNED-PAYLOAD). INVALID_ARGUMENT for a
// TTL outside 1 s..7 days or a malformed endpoint.
absl::StatusOr<std::string> PresignGet(const PresignInput& in);

}  // namespace shopcast::recording_lifecycle::storage::sigv4
