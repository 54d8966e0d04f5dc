#pragma once

// Runs fan-out work where gRPC can batch it. A write started from one of our own threads
// (the Publish appender, the executor, the LISTEN thread) is flushed to its connection on its
// own, one system call per subscriber; writes started inside gRPC's execution context are
// combined per connection and flushed together when the context ends. So waking a room's
// subscribers runs as one gRPC callback (an Alarm due now), and 10,000 subscribers sharing a
// few dozen connections cost a few dozen writes per event, as in a handler (what the bare
// broadcast server of tools/bench/fanout gets by publishing from its Publish handler). The hop
// costs a timer's latency; which rooms take it is `combine_wakeups_from` (feed.h; all, by
// default).

#include <functional>

namespace shopcast::realtime_push::rooms {

// Runs `fn` soon on a gRPC callback thread.
void RunInGrpcContext(std::function<void()> fn);

}  // namespace shopcast::realtime_push::rooms
