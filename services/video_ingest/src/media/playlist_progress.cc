#include "media/playlist_progress.h"

namespace shopcast::video_ingest::media {

bool Satisfies(const PlaylistProgress& progress, int64_t msn, std::optional<int> part) {
  if (progress.ended) return true;
  if (!part.has_value()) return progress.next_msn > msn;
  if (progress.next_msn > msn + 1) return true;
  if (progress.next_msn == msn + 1) {
    // Segment `msn` is complete: its own parts are there; a part past its last one is the next
    // segment's first.
    return *part < progress.last_parts || progress.next_parts >= 1;
  }
  if (progress.next_msn == msn) return progress.next_parts > *part;
  return false;
}

bool TooFarAhead(const PlaylistProgress& progress, int64_t msn) {
  // The last segment listed is next_msn - 1; "more than two beyond it" is > next_msn + 1.
  return msn > progress.next_msn + 1;
}

}  // namespace shopcast::video_ingest::media
