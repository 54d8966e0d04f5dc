#pragma once

// The XML of S3's answers (parsed with libxml2, no network, no DTDs, no entity expansion) and
// the one request body we send (CompleteMultipartUpload).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::recording_lifecycle::storage::s3xml {

struct ListedObject {
  std::string key;
  int64_t size = 0;
  std::string etag;
};

struct ListResult {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_continuation_token;
};

struct S3ErrorBody {
  // "NoSuchKey", "SlowDown", …; empty if the body was no S3 <Error>.
  std::string code;
  std::string message;
};

struct CompletedPart {
  int number = 0;
  // As the store returned it, quotes included.
  std::string etag;
};

// Every failure is INTERNAL/STORAGE_PROTOCOL_ERROR ("not what an S3 server answers").
absl::StatusOr<ListResult> ParseListObjectsV2(absl::string_view xml);
absl::StatusOr<std::string> ParseInitiateMultipartUpload(absl::string_view xml);
// An <Error> body; {"", ""} for anything else (an empty or HTML body of a proxy).
S3ErrorBody ParseError(absl::string_view xml);
// CompleteMultipartUpload may answer 200 and still fail: true with `error` filled when the
// body is an <Error>; false for a CompleteMultipartUploadResult.
absl::StatusOr<bool> CompleteFailed(absl::string_view xml, S3ErrorBody* error);

// <CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag></Part>…
std::string CompleteMultipartUploadBody(const std::vector<CompletedPart>& parts);

}  // namespace shopcast::recording_lifecycle::storage::s3xml
