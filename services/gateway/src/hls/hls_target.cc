#include "hls/hls_target.h"

#include <array>

#include "absl/strings/ascii.h"
#include "shopcast/ids/ids.h"

namespace shopcast::gateway::hls {
namespace {

constexpr std::string_view kLivePrefix = "/live/";
// Playlists and media, and the stream's live picture (thumb.jpg: the web app shows it on the
// stream's card and as the player's poster).
constexpr std::array<std::string_view, 7> kExtensions = {".m3u8", ".ts",  ".m4s", ".mp4",
                                                         ".aac",  ".vtt", ".jpg"};

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool IsQueryChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':  // unreserved
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':  // sub-delims
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
    case '?':
      return true;
    default:
      return false;
  }
}

}  // namespace

bool IsStreamId(std::string_view id) {
  return id.size() == 4 + 26 && id.substr(0, 4) == "str_" &&
         ids::IsValidId(absl::string_view(id.data(), id.size()), "str");
}

bool IsFileName(std::string_view name) {
  for (std::string_view ext : kExtensions) {
    if (name.size() <= ext.size() || name.size() - ext.size() > 64) continue;
    if (name.substr(name.size() - ext.size()) != ext) continue;
    std::string_view stem = name.substr(0, name.size() - ext.size());
    for (char c : stem) {
      if (!IsNameChar(c)) return false;
    }
    return true;
  }
  return false;
}

bool IsQuery(std::string_view query) {
  for (size_t i = 0; i < query.size(); ++i) {
    const char c = query[i];
    if (c == '%') {
      if (i + 2 >= query.size()) return false;
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(query[i + 1])) ||
          !absl::ascii_isxdigit(static_cast<unsigned char>(query[i + 2]))) {
        return false;
      }
      i += 2;
      continue;
    }
    if (!IsQueryChar(c)) return false;
  }
  return true;
}

std::optional<VodTarget> ParseVodTarget(std::string_view target) {
  constexpr std::string_view kVodPrefix = "/vod/";
  if (target.size() > kMaxTargetBytes || target.substr(0, kVodPrefix.size()) != kVodPrefix) {
    return std::nullopt;
  }
  std::string_view rest = target.substr(kVodPrefix.size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!IsQuery(query)) return std::nullopt;
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view rec = rest.substr(0, slash);
  if (!ids::IsValidId(absl::string_view(rec.data(), rec.size()), "rec")) return std::nullopt;
  std::string_view path = rest.substr(slash + 1);
  std::string_view file = path;
  if (const size_t s2 = path.find('/'); s2 != std::string_view::npos) {
    const std::string_view folder = path.substr(0, s2);
    if (folder != "clips" && folder != "thumbs") return std::nullopt;
    file = path.substr(s2 + 1);
  }
  static constexpr std::array<std::string_view, 4> kVodExtensions = {".m3u8", ".ts", ".jpg",
                                                                     ".mp4"};
  bool ok = false;
  for (std::string_view ext : kVodExtensions) {
    if (file.size() <= ext.size() || file.size() - ext.size() > 64) continue;
    if (file.substr(file.size() - ext.size()) != ext) continue;
    ok = true;
    for (char c : file.substr(0, file.size() - ext.size())) ok = ok && IsNameChar(c);
    break;
  }
  if (!ok) return std::nullopt;
  return VodTarget{std::string(rec), std::string(path), std::string(query)};
}

std::optional<LiveTarget> ParseLiveTarget(std::string_view target) {
  if (target.size() > kMaxTargetBytes || target.substr(0, kLivePrefix.size()) != kLivePrefix) {
    return std::nullopt;
  }
  std::string_view rest = target.substr(kLivePrefix.size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view id = rest.substr(0, slash);
  std::string_view file = rest.substr(slash + 1);
  if (!IsStreamId(id) || !IsFileName(file) || !IsQuery(query)) return std::nullopt;
  LiveTarget out;
  out.stream_id = std::string(id);
  out.file_name = std::string(file);
  out.query = std::string(query);
  out.playlist = file.size() > 5 && file.substr(file.size() - 5) == ".m3u8";
  return out;
}

std::optional<std::string> WatchPageFor(std::string_view target) {
  if (target.size() > kMaxTargetBytes || target.substr(0, kLivePrefix.size()) != kLivePrefix) {
    return std::nullopt;
  }
  std::string_view rest = target.substr(kLivePrefix.size());
  std::string_view query;
  const size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (!IsStreamId(rest) || !IsQuery(query)) return std::nullopt;
  std::string page = "/watch/";
  page.append(rest);
  if (!query.empty()) page.append("?").append(query);
  return page;
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace shopcast::gateway::hls
