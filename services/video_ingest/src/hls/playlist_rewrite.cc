#include "hls/playlist_rewrite.h"

namespace shopcast::video_ingest::hls {
namespace {

constexpr std::string_view kUriAttribute = "URI=\"";

void AppendWithToken(std::string_view uri, std::string_view token, std::string& out) {
  out.append(uri);
  if (uri.empty()) return;
  // Before a fragment, should a URI carry one.
  out.push_back(uri.find('?') == std::string_view::npos ? '?' : '&');
  out.append("token=");
  out.append(token);
}

// A tag line: every URI="…" attribute value gets the token.
void RewriteTag(std::string_view line, std::string_view token, std::string& out) {
  while (true) {
    const size_t at = line.find(kUriAttribute);
    if (at == std::string_view::npos) break;
    const size_t start = at + kUriAttribute.size();
    const size_t end = line.find('"', start);
    if (end == std::string_view::npos) break;  // unterminated: left as it is
    out.append(line.substr(0, start));
    AppendWithToken(line.substr(start, end - start), token, out);
    line.remove_prefix(end);
  }
  out.append(line);
}

}  // namespace

std::string AddTokenToUris(std::string_view playlist, std::string_view token) {
  std::string out;
  out.reserve(playlist.size() + playlist.size() / 8);
  while (!playlist.empty()) {
    const size_t nl = playlist.find('\n');
    std::string_view line = playlist.substr(0, nl);
    std::string_view ending = nl == std::string_view::npos ? "" : "\n";
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
      ending = nl == std::string_view::npos ? "\r" : "\r\n";
    }
    if (line.starts_with('#')) {
      RewriteTag(line, token, out);
    } else if (line.find_first_not_of(" \t") == std::string_view::npos) {
      out.append(line);  // blank
    } else {
      AppendWithToken(line, token, out);
    }
    out.append(ending);
    if (nl == std::string_view::npos) break;
    playlist.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace shopcast::video_ingest::hls
