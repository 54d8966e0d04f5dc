#pragma once

// Where a packager hands its parsed media for the rendition ladder (rendition_ladder.h), beside
// the passthrough: like KeyframeSink, the packager only offers and the feed returns at once (it
// queues a reference to the buffer for each rung's own pipeline, or drops it when a rung is
// behind), so no rung can slow or stop the passthrough. No GStreamer headers here, so
// packager.h and the runtime need none.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "media/rendition_group.h"

typedef struct _GstPad GstPad;
typedef struct _GstBuffer GstBuffer;

namespace shopcast::video_ingest::media {

class LivePlaylist;

// What the passthrough's cutter decided at one video buffer (fragment_tracker.h): the rungs cut
// their segments and parts at exactly these media times, with the same sequence numbers.
struct RenditionCuts {
  std::optional<int64_t> segment;  // A new segment starts here (a keyframe).
  std::optional<int64_t> part;     // A new part starts here (with or without a segment).
  bool part_independent = false;
};

// One encoder session's feed. Offers come from the packager's streaming threads (video and
// audio, each in its own order), times already normalised to the session's timeline.
class RenditionFeed {
 public:
  virtual ~RenditionFeed() = default;
  // A parsed video access unit (`pad` carries its caps), with the passthrough's cuts at it;
  // `has_audio`: the session has an audio track (its buffers come through OfferAudio).
  virtual void OfferVideo(GstPad* pad, GstBuffer* buffer, const RenditionCuts& cuts,
                          bool has_audio) = 0;
  virtual void OfferAudio(GstPad* pad, GstBuffer* buffer) = 0;
  // The session's media is over (no more offers) and the passthrough has written what it
  // will: each rung writes its last segment when the passthrough wrote that one too, else
  // drops it; bounded in time. From a thread that may block (the packager's teardown).
  virtual void Finish() = 0;
};

// The ladder of one stream: lives as long as its passthrough playlist (across reconnects), as
// the runtime keeps it beside that playlist.
class StreamRenditions {
 public:
  virtual ~StreamRenditions() = default;
  // The feed of a new encoder session writing to `passthrough` (the stream's playlist).
  // `discontinuity`: this session continues an earlier one.
  virtual std::shared_ptr<RenditionFeed> StartSession(LivePlaylist& passthrough,
                                                      bool discontinuity) = 0;
  // The rungs' master playlist lines (LivePlaylist::Options::master_variants).
  virtual std::string MasterVariants() const = 0;
  // The stream is over: every rung playlist gets EXT-X-ENDLIST.
  virtual void End() = 0;
  // The stream's group of media playlists for EXT-X-RENDITION-REPORT (rendition_group.h): the
  // rungs are in it; the passthrough playlist joins it as "live.m3u8". nullptr: no reports.
  virtual std::shared_ptr<RenditionGroup> group() const { return nullptr; }
};

}  // namespace shopcast::video_ingest::media
