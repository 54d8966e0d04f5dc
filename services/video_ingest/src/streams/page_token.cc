#include "streams/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::streams {
namespace {

absl::Status BadToken() {
  return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "page token is not valid");
}

}  // namespace

std::string EncodePageToken(absl::string_view list, absl::string_view binding,
                            const PageCursor& cursor) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("v1|", list, "|", binding, "|", cursor.key, "|", cursor.id));
}

absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token, absl::string_view list,
                                           absl::string_view binding) {
  if (token.empty()) return PageCursor{};
  if (token.size() > kMaxPageTokenBytes) return BadToken();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return BadToken();
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  if (parts.size() != 5 || parts[0] != "v1" || parts[1] != list || parts[2] != binding) {
    return BadToken();
  }
  PageCursor c;
  c.first = false;
  if (!absl::SimpleAtoi(parts[3], &c.key)) return BadToken();
  c.id = parts[4];
  return c;
}

}  // namespace shopcast::video_ingest::streams
