#include "media/bus_watch.h"

#include <future>
#include <thread>
#include <utility>

namespace shopcast::video_ingest::media {
namespace {

// The process's one bus thread: a main context and a loop running on it until exit.
GMainContext* SharedContext() {
  static GMainContext* const context = [] {
    GMainContext* c = g_main_context_new();
    GMainLoop* loop = g_main_loop_new(c, FALSE);
    std::thread([loop] {
      g_main_context_push_thread_default(g_main_loop_get_context(loop));
      g_main_loop_run(loop);  // Never quits: watches come and go with sessions.
    }).detach();
    return c;
  }();
  return context;
}

}  // namespace

struct BusWatch::Sources {
  std::function<void(GstMessage*)> on_message;
  std::function<void()> on_tick;
  GSource* bus = nullptr;
  GSource* timer = nullptr;

  static gboolean OnMessage(GstBus*, GstMessage* message, gpointer self) {
    static_cast<Sources*>(self)->on_message(message);
    return G_SOURCE_CONTINUE;
  }
  static gboolean OnTick(gpointer self) {
    static_cast<Sources*>(self)->on_tick();
    return G_SOURCE_CONTINUE;
  }
};

BusWatch::BusWatch(GstBus* bus, std::function<void(GstMessage*)> on_message, absl::Duration tick,
                   std::function<void()> on_tick)
    : sources_(new Sources{std::move(on_message), std::move(on_tick)}) {
  GMainContext* context = SharedContext();
  sources_->bus = gst_bus_create_watch(bus);
  // A bus source calls a GstBusFunc through the generic pointer type (GLib's G_SOURCE_FUNC).
  g_source_set_callback(
      sources_->bus,
      reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(&Sources::OnMessage)), sources_,
      nullptr);
  sources_->timer = g_timeout_source_new(static_cast<guint>(absl::ToInt64Milliseconds(tick)));
  g_source_set_callback(sources_->timer, &Sources::OnTick, sources_, nullptr);
  g_source_attach(sources_->bus, context);
  g_source_attach(sources_->timer, context);
}

BusWatch::~BusWatch() {
  // Destroyed on the shared thread: a callback of ours that is running there finishes first,
  // and none starts afterwards.
  struct Removal {
    Sources* sources;
    std::promise<void> done;
  } removal{sources_, {}};
  std::future<void> done = removal.done.get_future();
  g_main_context_invoke(
      SharedContext(),
      [](gpointer data) -> gboolean {
        auto* r = static_cast<Removal*>(data);
        g_source_destroy(r->sources->bus);
        g_source_destroy(r->sources->timer);
        g_source_unref(r->sources->bus);
        g_source_unref(r->sources->timer);
        delete r->sources;
        r->done.set_value();
        return G_SOURCE_REMOVE;
      },
      &removal);
  done.wait();
}

}  // namespace shopcast::video_ingest::media
