#include "storage/object_key.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shopcast/status/status.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::storage {
namespace {

bool Allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

absl::Status Invalid(absl::string_view what) {
  return Error(absl::StatusCode::kInvalidArgument, kReasonKeyInvalid,
               absl::StrCat("object key: ", what));
}

// `partial`: the last segment of a prefix, which may be empty.
absl::Status CheckSegment(absl::string_view segment, bool partial) {
  if (segment.empty()) {
    return partial ? absl::OkStatus() : Invalid("empty path segment (leading, trailing or '//')");
  }
  if (segment.size() > kMaxKeySegmentBytes) return Invalid("a path segment is over 255 bytes");
  if (segment.front() == '.') return Invalid("a path segment starts with '.'");
  for (char c : segment) {
    if (!Allowed(c)) return Invalid("only A-Z a-z 0-9 . _ - and '/' between segments");
  }
  return absl::OkStatus();
}

absl::Status Check(absl::string_view text, bool prefix) {
  if (text.size() > kMaxKeyBytes) return Invalid("longer than 1024 bytes");
  if (text.empty()) return prefix ? absl::OkStatus() : Invalid("empty");
  std::vector<absl::string_view> segments = absl::StrSplit(text, '/');
  for (size_t i = 0; i < segments.size(); ++i) {
    bool last = i + 1 == segments.size();
    if (absl::Status s = CheckSegment(segments[i], prefix && last); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateKey(absl::string_view key) { return Check(key, false); }

absl::Status ValidateKeyPrefix(absl::string_view prefix) { return Check(prefix, true); }

}  // namespace shopcast::recording_lifecycle::storage
