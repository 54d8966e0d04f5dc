#include "hls/hls_path.h"

#include <array>

#include "absl/strings/string_view.h"
#include "shopcast/ids/ids.h"

namespace shopcast::video_ingest::hls {
namespace {

constexpr std::string_view kLivePrefix = "/live/";
constexpr size_t kMaxPrefixLength = 8;
constexpr size_t kMaxFileStemLength = 64;

struct Extension {
  std::string_view suffix;
  ResourceKind kind;
  std::string_view content_type;
};

// .mp4 is the fMP4 initialisation segment: like media segments it is written once under a
// name that is never reused, so it is cached as immutable too. A .jpg (the live thumbnail,
// thumb.jpg) is replaced in place every few seconds and is cached like a playlist.
constexpr std::array<Extension, 6> kExtensions = {{
    {".m3u8", ResourceKind::kPlaylist, "application/vnd.apple.mpegurl"},
    {".ts", ResourceKind::kSegment, "video/mp2t"},
    {".m4s", ResourceKind::kSegment, "video/iso.segment"},
    {".mp4", ResourceKind::kSegment, "video/mp4"},
    {".aac", ResourceKind::kSegment, "audio/aac"},
    {".jpg", ResourceKind::kImage, "image/jpeg"},
}};

bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }

bool IsStemChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

const Extension* FindExtension(std::string_view name) {
  for (const Extension& ext : kExtensions) {
    if (name.size() > ext.suffix.size() && name.ends_with(ext.suffix)) return &ext;
  }
  return nullptr;
}

}  // namespace

bool IsValidStreamId(std::string_view id) {
  const size_t underscore = id.find('_');
  if (underscore == std::string_view::npos || underscore == 0 || underscore > kMaxPrefixLength) {
    return false;
  }
  const std::string_view prefix = id.substr(0, underscore);
  for (char c : prefix) {
    if (!IsLowerAlpha(c)) return false;
  }
  return ids::IsValidId(absl::string_view(id.data(), id.size()),
                        absl::string_view(prefix.data(), prefix.size()));
}

bool IsValidFileName(std::string_view name) {
  const Extension* ext = FindExtension(name);
  if (ext == nullptr) return false;
  const std::string_view stem = name.substr(0, name.size() - ext->suffix.size());
  if (stem.empty() || stem.size() > kMaxFileStemLength) return false;
  for (char c : stem) {
    if (!IsStemChar(c)) return false;
  }
  return true;
}

std::optional<HlsResource> ParseHlsTarget(std::string_view target) {
  // Absolute form: drop "scheme://authority" and keep the path.
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (target.starts_with(scheme)) {
      const size_t slash = target.find('/', scheme.size());
      if (slash == std::string_view::npos) return std::nullopt;
      target.remove_prefix(slash);
      break;
    }
  }
  const size_t query = target.find('?');
  if (query != std::string_view::npos) target = target.substr(0, query);

  if (!target.starts_with(kLivePrefix)) return std::nullopt;
  target.remove_prefix(kLivePrefix.size());
  const size_t slash = target.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view stream_id = target.substr(0, slash);
  const std::string_view file_name = target.substr(slash + 1);
  // Both validators reject '/', so a third path segment fails here.
  if (!IsValidStreamId(stream_id) || !IsValidFileName(file_name)) return std::nullopt;

  const Extension* ext = FindExtension(file_name);
  return HlsResource{std::string(stream_id), std::string(file_name), ext->kind, ext->content_type};
}

std::optional<std::string_view> TokenParam(std::string_view target) {
  const size_t query = target.find('?');
  if (query == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(query + 1);
  // A fragment never reaches a server, but if one does it is not part of the query.
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.starts_with("token=")) return pair.substr(6);
    if (pair == "token") return pair.substr(pair.size());  // empty, but inside the target
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

namespace {

// `text` as a number when it is 1..max_digits decimal digits and nothing else.
template <typename T>
std::optional<T> Digits(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  T value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

DirectivesError ParseDeliveryDirectives(std::string_view target, DeliveryDirectives& out) {
  out = DeliveryDirectives{};
  const size_t query = target.find('?');
  if (query == std::string_view::npos) return DirectivesError::kOk;
  std::string_view rest = target.substr(query + 1);
  rest = rest.substr(0, rest.find('#'));
  bool seen_skip = false;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (name == "_HLS_msn") {
      if (out.msn) return DirectivesError::kMalformed;
      out.msn = Digits<int64_t>(value, 15);
      if (!out.msn) return DirectivesError::kMalformed;
    } else if (name == "_HLS_part") {
      if (out.part) return DirectivesError::kMalformed;
      out.part = Digits<int>(value, 4);
      if (!out.part) return DirectivesError::kMalformed;
    } else if (name == "_HLS_skip") {
      if (seen_skip || (value != "YES" && value != "v2")) return DirectivesError::kMalformed;
      seen_skip = true;
      out.skip = true;
      out.skip_dateranges = value == "v2";
    }
  }
  if (out.part && !out.msn) return DirectivesError::kPartWithoutMsn;
  return DirectivesError::kOk;
}

std::string_view KindLabel(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kPlaylist:
      return "playlist";
    case ResourceKind::kSegment:
      return "segment";
    case ResourceKind::kImage:
      return "image";
    case ResourceKind::kOther:
      return "other";
  }
  return "other";
}

}  // namespace shopcast::video_ingest::hls
