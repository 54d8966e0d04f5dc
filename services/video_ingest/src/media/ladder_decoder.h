#pragma once

// The rendition ladder's one decoder per session (rendition_ladder.h): the source's parsed video
// is decoded once, and every picture goes by reference to each rung's own scaling and encoding
// pipeline — as ffmpeg decodes once for a whole ladder — instead of each rung decoding the
// source again. A pipeline of its own:
//
//   appsrc(parsed h264/h265) → openh264dec | libde265dec → appsink ──on_picture──► the rungs
//
// A decoder failure stops every rung of the session (they have no pictures); an encoder failure
// still stops its rung only. The session restarts a failed decoder, with the rungs, at the
// next segment cut.

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "media/bus_watch.h"

namespace shopcast::video_ingest::media {

class LadderDecoder {
 public:
  struct Options {
    std::string stream_id;    // For logs.
    std::string element;      // DecoderForCaps's answer.
    GstCaps* caps = nullptr;  // The parsed video's caps; borrowed for Build().
    // Bounds the compressed hand-off (Overloaded()).
    absl::Duration max_handoff = absl::Seconds(2);
    // Each decoded picture, on the decoder's streaming thread, in presentation order. The
    // sample is borrowed for the call (take a reference to keep it).
    std::function<void(GstSample*)> on_picture;
  };

  explicit LadderDecoder(Options options);
  ~LadderDecoder();
  LadderDecoder(const LadderDecoder&) = delete;
  LadderDecoder& operator=(const LadderDecoder&) = delete;

  absl::Status Build();

  // The source's streaming thread: queues a reference, never blocks.
  void Push(GstBuffer* buffer);
  // More than max_handoff of media waits to be decoded.
  bool Overloaded() const;
  bool failed() const { return failed_.load(); }
  // The reason of the first failure, once failed() (for the rungs' logs).
  std::string failure() const;
  // Tests: the decoder element posts an error, as a real decoding failure would.
  void InjectFailure();

  // The end: what was pushed is decoded and handed on, then the pipeline stops (WaitEnd returns
  // once the last picture went to on_picture, or at the deadline). Never under a lock that
  // on_picture takes.
  void SendEos();
  void WaitEnd(absl::Time deadline);
  void Teardown();

 private:
  static GstFlowReturn OnSample(GstElement* sink, gpointer self);
  void HandleMessage(GstMessage* msg);
  void MarkFailed(absl::string_view why);
  bool Ended() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return eos_ || failed_.load(); }

  const Options options_;
  GstElement* pipeline_ = nullptr;
  GstElement* src_ = nullptr;
  GstElement* decoder_ = nullptr;
  std::unique_ptr<BusWatch> watch_;
  std::atomic<bool> failed_{false};
  std::atomic<bool> torn_down_{false};

  mutable absl::Mutex mu_;
  bool eos_ ABSL_GUARDED_BY(mu_) = false;
  std::string failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::video_ingest::media
