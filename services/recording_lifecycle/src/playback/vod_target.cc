#include "playback/vod_target.h"

#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

constexpr std::string_view kPrefix = "/vod/";

std::string_view PathOf(std::string_view target) {
  // Absolute form: scheme://authority/path.
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    const size_t scheme_end = target.find("://") + 3;
    const size_t slash = target.find('/', scheme_end);
    if (slash == std::string_view::npos) return {};
    target = target.substr(slash);
  }
  const size_t q = target.find('?');
  if (q != std::string_view::npos) target = target.substr(0, q);
  return target;
}

// `name` = <prefix>_<id body> + `ext`; the id into `id`.
bool IdWithExt(std::string_view name, std::string_view prefix, std::string_view ext,
               std::string& id) {
  if (name.size() <= ext.size() || name.substr(name.size() - ext.size()) != ext) return false;
  const std::string_view candidate = name.substr(0, name.size() - ext.size());
  if (!ids::IsValidId(absl::string_view(candidate.data(), candidate.size()),
                      absl::string_view(prefix.data(), prefix.size())))
    return false;
  id = std::string(candidate);
  return true;
}

bool Sequence(std::string_view name, int64_t& out) {
  constexpr std::string_view kExt = ".ts";
  if (name.size() <= kExt.size() || name.substr(name.size() - kExt.size()) != kExt) return false;
  const std::string_view digits = name.substr(0, name.size() - kExt.size());
  if (digits.empty() || digits.size() > 18 || (digits.size() > 1 && digits[0] == '0')) {
    return false;
  }
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::string VodResource::ObjectKey() const {
  switch (kind) {
    case VodResourceKind::kClipVideo:
      return absl::StrCat(recording_id, "/clips/", asset_id, ".mp4");
    case VodResourceKind::kClipPoster:
      return absl::StrCat(recording_id, "/clips/", asset_id, ".jpg");
    case VodResourceKind::kThumbnail:
      return absl::StrCat(recording_id, "/thumbs/", asset_id, ".jpg");
    default:
      return {};
  }
}

std::optional<VodResource> ParseVodTarget(std::string_view target) {
  std::string_view path = PathOf(target);
  if (path.rfind(kPrefix, 0) != 0) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  VodResource r;
  const std::string_view rec = path.substr(0, slash);
  if (!ids::IsValidId(absl::string_view(rec.data(), rec.size()), "rec")) return std::nullopt;
  r.recording_id = std::string(rec);
  const std::string_view rest = path.substr(slash + 1);
  if (rest == "index.m3u8") {
    r.kind = VodResourceKind::kPlaylist;
    return r;
  }
  if (rest == "poster.jpg") {
    r.kind = VodResourceKind::kPoster;
    return r;
  }
  if (rest.find('/') == std::string_view::npos) {
    if (!Sequence(rest, r.sequence)) return std::nullopt;
    r.kind = VodResourceKind::kSegment;
    return r;
  }
  const size_t slash2 = rest.find('/');
  const std::string_view folder = rest.substr(0, slash2);
  const std::string_view name = rest.substr(slash2 + 1);
  if (folder == "clips") {
    if (IdWithExt(name, "clp", ".mp4", r.asset_id)) {
      r.kind = VodResourceKind::kClipVideo;
      return r;
    }
    if (IdWithExt(name, "clp", ".jpg", r.asset_id)) {
      r.kind = VodResourceKind::kClipPoster;
      return r;
    }
    return std::nullopt;
  }
  if (folder == "thumbs" && IdWithExt(name, "thm", ".jpg", r.asset_id)) {
    r.kind = VodResourceKind::kThumbnail;
    return r;
  }
  return std::nullopt;
}

std::optional<std::string_view> VodTokenParam(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  const size_t hash = query.find('#');
  if (hash != std::string_view::npos) query = query.substr(0, hash);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.rfind("token=", 0) == 0) return pair.substr(6);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string_view ContentTypeOf(VodResourceKind kind) {
  switch (kind) {
    case VodResourceKind::kPlaylist:
      return "application/vnd.apple.mpegurl";
    case VodResourceKind::kSegment:
      return "video/mp2t";
    case VodResourceKind::kClipVideo:
      return "video/mp4";
    default:
      return "image/jpeg";
  }
}

std::string_view KindLabel(VodResourceKind kind) {
  switch (kind) {
    case VodResourceKind::kPlaylist:
      return "playlist";
    case VodResourceKind::kSegment:
      return "segment";
    case VodResourceKind::kPoster:
      return "poster";
    case VodResourceKind::kClipVideo:
      return "clip";
    case VodResourceKind::kClipPoster:
      return "clip_poster";
    case VodResourceKind::kThumbnail:
      return "thumbnail";
  }
  return "other";
}

}  // namespace shopcast::recording_lifecycle::playback
