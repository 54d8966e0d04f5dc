#include "streams/page_token.h"

#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::streams {
namespace {

// Years 1 to 9999, in micros since 1970: what us_to_ts() turns into a timestamp without error.
constexpr int64_t kMinMicros = -62135596800LL * 1000000;
constexpr int64_t kMaxMicros = 253402300799LL * 1000000;

absl::Status BadToken() {
  return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "page token is not valid");
}

std::string ListName(absl::string_view list, absl::string_view binding) {
  return absl::StrCat(list, "|", binding);
}

bool Plausible(const pagetoken::Cursor& c, CursorKind kind) {
  switch (kind) {
    case CursorKind::kStreamTime:
      return c.key >= kMinMicros && c.key <= kMaxMicros && ids::IsValidId(c.id, "str");
    case CursorKind::kSegmentSequence:
      return c.key >= 0 && c.id.empty();
  }
  return false;
}

}  // namespace

std::string EncodePageToken(const pagetoken::Codec& codec, absl::string_view list,
                            absl::string_view binding, const PageCursor& cursor) {
  return codec.Encode(ListName(list, binding), pagetoken::Cursor{cursor.key, cursor.id});
}

absl::StatusOr<PageCursor> DecodePageToken(const pagetoken::Codec& codec, absl::string_view token,
                                           absl::string_view list, absl::string_view binding,
                                           CursorKind kind) {
  if (token.empty()) return PageCursor{};
  ASSIGN_OR_RETURN(pagetoken::Cursor c, codec.Decode(ListName(list, binding), token));
  // Only we make tokens, but a cursor is checked as if a client wrote it: a leaked key must not
  // turn into a database error.
  if (!Plausible(c, kind)) return BadToken();
  return PageCursor{false, c.key, std::move(c.id)};
}

}  // namespace shopcast::video_ingest::streams
