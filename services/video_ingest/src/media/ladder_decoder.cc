#include "media/ladder_decoder.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {

LadderDecoder::LadderDecoder(Options options) : options_(std::move(options)) {}

LadderDecoder::~LadderDecoder() { Teardown(); }

absl::Status LadderDecoder::Build() {
  pipeline_ = gst_pipeline_new(nullptr);
  gst_object_ref_sink(pipeline_);
  src_ = gst_element_factory_make("appsrc", nullptr);
  decoder_ = gst_element_factory_make(options_.element.c_str(), nullptr);
  GstElement* sink = gst_element_factory_make("appsink", nullptr);
  for (GstElement* e : {src_, decoder_, sink}) {
    if (e != nullptr) gst_bin_add(GST_BIN(pipeline_), e);
  }
  if (src_ == nullptr || decoder_ == nullptr || sink == nullptr) {
    return Error(
        absl::StatusCode::kFailedPrecondition, "LADDER_ELEMENT_MISSING",
        absl::StrCat("the ladder's decoder needs appsrc, ", options_.element, " and appsink"));
  }
  // The hand-off never blocks the source's thread; Overloaded() bounds it.
  g_object_set(src_, "caps", options_.caps, "format", GST_FORMAT_TIME, "is-live", FALSE, "block",
               FALSE, "max-bytes", static_cast<guint64>(256) << 20, "emit-signals", FALSE, nullptr);
  // Each picture is handed on from the streaming thread as it comes: nothing queues here.
  g_object_set(sink, "sync", FALSE, "async", FALSE, "emit-signals", TRUE, "max-buffers", 1u,
               nullptr);
  g_signal_connect(sink, "new-sample", G_CALLBACK(&LadderDecoder::OnSample), this);
  if (!gst_element_link_many(src_, decoder_, sink, nullptr)) {
    return Error(absl::StatusCode::kInternal, "RENDITION_FAILURE", "cannot link the decoder");
  }
  GstBus* bus = gst_element_get_bus(pipeline_);
  watch_ = std::make_unique<BusWatch>(
      bus, [this](GstMessage* msg) { HandleMessage(msg); }, absl::Seconds(1), [] {});
  gst_object_unref(bus);
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return Error(absl::StatusCode::kInternal, "RENDITION_FAILURE", "the decoder refused to start");
  }
  return absl::OkStatus();
}

GstFlowReturn LadderDecoder::OnSample(GstElement* sink, gpointer self) {
  auto* decoder = static_cast<LadderDecoder*>(self);
  GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
  if (sample == nullptr) return GST_FLOW_EOS;
  if (!decoder->failed_.load() && decoder->options_.on_picture)
    decoder->options_.on_picture(sample);
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

void LadderDecoder::Push(GstBuffer* buffer) {
  if (failed_.load() || src_ == nullptr) return;
  gst_app_src_push_buffer(GST_APP_SRC(src_), gst_buffer_ref(buffer));
}

bool LadderDecoder::Overloaded() const {
  if (src_ == nullptr) return false;
  const guint64 time = gst_app_src_get_current_level_time(GST_APP_SRC(src_));
  return time != GST_CLOCK_TIME_NONE &&
         time > static_cast<guint64>(absl::ToInt64Nanoseconds(options_.max_handoff));
}

std::string LadderDecoder::failure() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

void LadderDecoder::InjectFailure() {
  if (decoder_ == nullptr) return;
  GError* err = g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
                                    "injected decoder failure (tests)");
  gst_element_post_message(decoder_,
                           gst_message_new_error(GST_OBJECT(decoder_), err, "fault injection"));
  g_error_free(err);
}

void LadderDecoder::HandleMessage(GstMessage* msg) {
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(msg, &err, &debug);
      const std::string text = absl::StrCat(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), ": ",
                                            err != nullptr ? err->message : "unknown error");
      g_clear_error(&err);
      g_free(debug);
      MarkFailed(text);
      break;
    }
    case GST_MESSAGE_EOS: {
      absl::MutexLock lock(&mu_);
      eos_ = true;
      break;
    }
    default:
      break;
  }
}

void LadderDecoder::MarkFailed(absl::string_view why) {
  absl::MutexLock lock(&mu_);  // Also wakes WaitEnd.
  if (failed_.exchange(true)) return;
  failure_ = std::string(why);
  log::Warn("rendition_decoder_failed")
      .Kv("stream_id", options_.stream_id)
      .Kv("decoder", options_.element)
      .Kv("error", failure_);
}

void LadderDecoder::SendEos() {
  if (failed_.load() || src_ == nullptr) return;
  gst_app_src_end_of_stream(GST_APP_SRC(src_));
}

void LadderDecoder::WaitEnd(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(this, &LadderDecoder::Ended), deadline);
}

void LadderDecoder::Teardown() {
  if (torn_down_.exchange(true)) return;
  watch_.reset();
  if (pipeline_ != nullptr) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
  }
}

}  // namespace shopcast::video_ingest::media
