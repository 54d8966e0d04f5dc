#pragma once

// The rendition ladder's one decoder per session (rendition_ladder.h): the source's parsed video
// is decoded once, and every picture goes by reference to each rung's own scaling and encoding
// pipeline — as ffmpeg decodes once for a whole ladder — instead of each rung decoding the
// source again. It decodes with FFmpeg's libavcodec (`h264`, `hevc`), called directly as the
// thumbnailer does (never through gst-libav, which loads libavformat: see the README's
// Thumbnails), on a thread of its own behind a bounded queue of buffer references:
//
//   OfferVideo ──Push (a reference)──► queue ──decoder thread: libavcodec──► I420 picture
//     ──on_picture──► the rungs' hand-offs
//
// A decoder failure stops every rung of the session (they have no pictures); an encoder failure
// still stops its rung only. The session restarts a failed decoder, with the rungs, at the
// next segment cut.

#include <gst/gst.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

// libavcodec's decoder for a parsed video caps name ("video/x-h264" → "h264", "video/x-h265" →
// "hevc"); nullopt for anything else.
std::optional<std::string> LadderDecoderFor(std::string_view caps_name);
// The start-up check: libavcodec has every decoder LadderDecoderFor names.
absl::Status CheckLadderDecoders();

class LadderDecoder {
 public:
  struct Options {
    std::string stream_id;    // For logs.
    std::string codec;        // LadderDecoderFor's answer.
    GstCaps* caps = nullptr;  // The parsed video's caps (frame rate, aspect); read by Build().
    // Bounds the queue of access units waiting to be decoded (Overloaded()).
    absl::Duration max_handoff = absl::Seconds(2);
    // Each decoded picture, on the decoder's thread, in presentation order. The sample is
    // borrowed for the call (take a reference to keep it).
    std::function<void(GstSample*)> on_picture;
  };

  explicit LadderDecoder(Options options);
  ~LadderDecoder();
  LadderDecoder(const LadderDecoder&) = delete;
  LadderDecoder& operator=(const LadderDecoder&) = delete;

  // Opens the decoder and starts its thread.
  absl::Status Build();

  // The source's streaming thread: queues a reference to a parsed access unit (Annex B), never
  // blocks.
  void Push(GstBuffer* buffer);
  // More than max_handoff of media waits to be decoded.
  bool Overloaded() const;
  bool failed() const { return failed_.load(); }
  // The reason of the first failure, once failed() (for the rungs' logs).
  std::string failure() const;
  // Tests: fails as a real decoding failure would.
  void InjectFailure();

  // The end: what was pushed is decoded and handed on (WaitEnd returns once the last picture
  // went to on_picture, or at the deadline). Never under a lock that on_picture takes.
  void SendEos();
  void WaitEnd(absl::Time deadline);
  // Stops the thread (what is queued is dropped).
  void Teardown();

 private:
  struct State;  // libavcodec's objects: only the decoder thread touches them.

  void Run();
  void Decode(GstBuffer* buffer);
  void Drain();
  void ReceivePictures();
  void Emit();
  void Fail(std::string why);
  bool HasWork() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stop_ || eos_requested_ || !queue_.empty();
  }
  bool Ended() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return ended_ || failed_.load(); }

  const Options options_;
  std::unique_ptr<State> state_;
  std::atomic<bool> failed_{false};

  mutable absl::Mutex mu_;
  std::deque<GstBuffer*> queue_ ABSL_GUARDED_BY(mu_);  // References, oldest first.
  bool eos_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // The drain after SendEos is done, or the thread stopped.
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::string failure_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace shopcast::video_ingest::media
