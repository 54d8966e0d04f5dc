#pragma once

// Maps an HTTP request target onto a file under the HLS root. Security-critical and pure: the
// only accepted shapes are /live/<stream id>/<file name> and, for a rung of the rendition
// ladder, /live/<stream id>/<rung>/<file name> (exactly one folder, named like "720p"), every
// part drawn from small, fixed alphabets, so no decoding, normalisation or "..", "/", "\", "%"
// or NUL can ever reach the file system. Anything that does not match exactly is "not found".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shopcast::video_ingest::hls {

// What a file is for; decides caching and the metrics label. Images (the live thumbnail
// thumb.jpg, replaced every few seconds, and the poster) are cached like playlists: briefly.
enum class ResourceKind { kPlaylist, kSegment, kOther, kImage };

struct HlsResource {
  std::string stream_id;  // e.g. "str_01J9Z3K8W4V6T2M0QXYHB5R7NC"
  std::string rung;       // e.g. "720p": a rendition's folder; empty for the stream's own files
  std::string file_name;  // e.g. "000123.ts"
  ResourceKind kind = ResourceKind::kOther;
  std::string_view content_type;  // Static storage.

  // The file within the stream's folder: "000123.ts", or "720p/000123.ts" in a rung (also the
  // name its playlist is watched under).
  std::string path() const { return rung.empty() ? file_name : rung + "/" + file_name; }
  std::string path(std::string_view other_file) const {
    return rung.empty() ? std::string(other_file) : rung + "/" + std::string(other_file);
  }
};

// True iff `id` is one of our ids: 1..8 letters a-z, "_", then the 26-character Crockford body
// that shopcast::ids::IsValidId accepts.
bool IsValidStreamId(std::string_view id);

// True iff `name` names a rung folder: a non-zero digit, one to three more digits, "p"
// ("144p".."2160p"; media/rendition_spec.h makes no other).
bool IsValidRungName(std::string_view name);

// True iff `name` is 1..64 of [A-Za-z0-9_-] then one of .m3u8 .ts .m4s .mp4 .aac .jpg.
bool IsValidFileName(std::string_view name);

// The resource a request target names, or nullopt (→ 404). The query string is ignored; the
// absolute form "http://host/live/…" is accepted as RFC 9112 requires of servers.
std::optional<HlsResource> ParseHlsTarget(std::string_view target);

// The value of the first `token` parameter in the target's query string, as sent (tokens are
// base64url: nothing to decode), or nullopt when there is none. An empty value is present.
// Scans at most the request head, which the server bounds; never allocates.
std::optional<std::string_view> TokenParam(std::string_view target);

// The Low-Latency HLS delivery directives of a playlist request (RFC 8216bis 6.2.5): `_HLS_msn`,
// `_HLS_part`, `_HLS_skip`. Other parameters (`token`, cache busters) are not looked at.
struct DeliveryDirectives {
  std::optional<int64_t> msn;    // _HLS_msn: block until that media segment is listed
  std::optional<int> part;       // _HLS_part: … or that part of it (only with msn)
  bool skip = false;             // _HLS_skip=YES or v2: a delta update is welcome
  bool skip_dateranges = false;  // _HLS_skip=v2: … that skips old EXT-X-DATERANGE tags too
};

// Why the directives of a target are refused (→ 400), or kOk.
enum class DirectivesError { kOk, kMalformed, kPartWithoutMsn };

// The directives in `target`'s query. Strict: msn and part are plain decimal digits (1..15
// and 1..4 of them), skip is YES or v2, each at most once; anything else is kMalformed, and
// `_HLS_part` without `_HLS_msn` is kPartWithoutMsn (the specification requires a 400).
// Scans at most the request head, which the server bounds.
DirectivesError ParseDeliveryDirectives(std::string_view target, DeliveryDirectives& out);

// "playlist", "segment", "image" or "other" (the metrics label).
std::string_view KindLabel(ResourceKind kind);

}  // namespace shopcast::video_ingest::hls
