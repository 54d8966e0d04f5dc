#include "rooms/feed.h"

#include <algorithm>
#include <utility>

#include "grpcpp/support/slice.h"

namespace shopcast::realtime_push::rooms {
namespace {

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// SubscribeResponse.event, SubscribeResponse.events and RoomEventBatch.events.
constexpr int kEventField = 2;
constexpr int kEventsField = 5;
constexpr int kBatchEventsField = 1;

}  // namespace

Frame MakeFrame(int field, const std::string& message_bytes) {
  // A length-delimited field (wire type 2) is the whole message: tag, length, bytes.
  std::string bytes;
  bytes.reserve(message_bytes.size() + 8);
  AppendVarint(bytes, (static_cast<uint64_t>(field) << 3) | 2);
  AppendVarint(bytes, message_bytes.size());
  bytes += message_bytes;
  grpc::Slice slice(bytes);
  return std::make_shared<const grpc::ByteBuffer>(&slice, 1);
}

bool IsEventFrame(const Frame& frame) {
  grpc::Slice first;
  // MakeFrame's frames are one slice whose first byte is the field's tag.
  if (frame == nullptr || !frame->TrySingleSlice(&first).ok() || first.size() == 0) return false;
  return first.begin()[0] == static_cast<uint8_t>((kEventField << 3) | 2);
}

Frame MakeBatchFrame(const std::vector<Frame>& frames) {
  // An `event` frame is tag(2), length, RoomEvent; as RoomEventBatch.events it is tag(1), the
  // same length and bytes: one byte differs. The batch is then field `events` of the response.
  std::string inner;
  for (const Frame& f : frames) {
    grpc::Slice slice;
    if (!f->TrySingleSlice(&slice).ok() || slice.size() == 0) continue;
    const size_t at = inner.size();
    inner.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    inner[at] = static_cast<char>((kBatchEventsField << 3) | 2);
  }
  return MakeFrame(kEventsField, inner);
}

RoomFeed::RoomFeed(std::string stream_id, int ring_capacity,
                   std::function<void(std::shared_ptr<RoomFeed>, int64_t)> load,
                   WakeRunner run_wakeups, size_t combine_wakeups_from)
    : stream_id_(std::move(stream_id)),
      ring_capacity_(static_cast<size_t>(std::max(1, ring_capacity))),
      load_(std::move(load)),
      run_wakeups_(std::move(run_wakeups)),
      combine_wakeups_from_(combine_wakeups_from) {}

void RoomFeed::WakeListeners() {
  auto listeners = ListenersCopy();
  // Inline, the writes go out one system call each, and — with no interceptor on Subscribe —
  // gRPC runs their completions on this thread too: woken from the Publish appender, that
  // thread became the bottleneck (tools/bench/RESULTS.md, fanout run 7). In gRPC's context
  // they are combined per connection and completed on gRPC's threads.
  const size_t n = listeners->size();
  const bool hop = run_wakeups_ && n >= combine_wakeups_from_;
  auto wake = [listeners = std::move(listeners)] {
    for (const auto& l : *listeners) l->Wake();
  };
  if (hop) {
    run_wakeups_(std::move(wake), n);
  } else {
    wake();
  }
}

RoomFeed::Lookup RoomFeed::Get(int64_t seq, FeedEntry* out, int64_t* head) const {
  // Every subscriber's every write reads here; readers never wait for each other.
  absl::ReaderMutexLock lock(&mu_);
  if (head != nullptr) *head = loaded_head_;
  // Not primed yet (the subscriber primes it before reading), or not loaded yet.
  if (loaded_head_ < 0 || seq > loaded_head_) return Lookup::kWait;
  if (ring_.empty() || seq < ring_.front().seq) return Lookup::kBehind;
  *out = ring_[static_cast<size_t>(seq - ring_.front().seq)];
  return Lookup::kFound;
}

size_t RoomFeed::GetRun(int64_t seq, size_t max_entries, size_t max_bytes,
                        std::vector<FeedEntry>* out) const {
  absl::ReaderMutexLock lock(&mu_);
  if (ring_.empty() || seq < ring_.front().seq || seq > loaded_head_) return 0;
  size_t n = 0;
  size_t bytes = 0;
  for (size_t i = static_cast<size_t>(seq - ring_.front().seq); i < ring_.size() && n < max_entries;
       ++i) {
    const size_t size = ring_[i].frame->Length();
    if (bytes + size > max_bytes) break;
    out->push_back(ring_[i]);
    bytes += size;
    ++n;
  }
  return n;
}

int64_t RoomFeed::loaded_head() const {
  absl::ReaderMutexLock lock(&mu_);
  return loaded_head_;
}

bool RoomFeed::ended() const {
  absl::MutexLock lock(&mu_);
  return ended_;
}

std::optional<RoomFeed::CachedRoom> RoomFeed::RoomIfFresh(absl::Time now,
                                                          absl::Duration ttl) const {
  absl::MutexLock lock(&mu_);
  if (loaded_head_ < 0 || !room_.has_value() || now - room_at_ >= ttl) return std::nullopt;
  CachedRoom room = *room_;
  room.closed = room.closed || ended_;
  return room;
}

void RoomFeed::PutRoom(CachedRoom room, absl::Time read_at) {
  absl::MutexLock lock(&mu_);
  if (room_.has_value() && read_at < room_at_) return;
  room_ = room;
  room_at_ = read_at;
}

std::optional<RoomFeed::CachedStart> RoomFeed::StartIfFresh(absl::Time now,
                                                            absl::Duration ttl) const {
  absl::MutexLock lock(&mu_);
  if (loaded_head_ < 0 || !start_.has_value() || now - start_at_ >= ttl) return std::nullopt;
  return start_;
}

void RoomFeed::PutStart(CachedStart start, absl::Time read_at) {
  absl::MutexLock lock(&mu_);
  if (start_.has_value() && read_at < start_at_) return;
  start_ = std::move(start);
  start_at_ = read_at;
}

void RoomFeed::AppendLocked(FeedEntry entry) {
  if (entry.ends_room) ended_ = true;
  if (!ring_.empty() && entry.seq != ring_.back().seq + 1) ring_.clear();  // a purged gap
  ring_.push_back(std::move(entry));
  while (ring_.size() > ring_capacity_) ring_.pop_front();
  loaded_head_ = ring_.back().seq;
}

void RoomFeed::MaybeLoadLocked(bool* start) {
  *start = loaded_head_ >= 0 && !loading_ && local_appends_ == 0 && wanted_head_ > loaded_head_;
  if (*start) loading_ = true;
}

void RoomFeed::Prime(std::shared_ptr<RoomFeed> self, int64_t head) {
  bool start = false;
  int64_t from = 0;
  {
    absl::MutexLock lock(&mu_);
    if (loaded_head_ >= 0) {
      wanted_head_ = std::max(wanted_head_, head);
    } else {
      loaded_head_ = head;
    }
    MaybeLoadLocked(&start);
    from = loaded_head_;
  }
  if (start) load_(std::move(self), from);
}

void RoomFeed::OnHead(std::shared_ptr<RoomFeed> self, int64_t seq) {
  bool start = false;
  int64_t from = 0;
  {
    absl::MutexLock lock(&mu_);
    wanted_head_ = std::max(wanted_head_, seq);
    MaybeLoadLocked(&start);
    from = loaded_head_;
  }
  if (start) load_(std::move(self), from);
}

void RoomFeed::OnAppended(std::shared_ptr<RoomFeed> self, FeedEntry entry) {
  bool appended = false;
  {
    absl::MutexLock lock(&mu_);
    if (loaded_head_ >= 0 && !loading_ && entry.seq == loaded_head_ + 1) {
      AppendLocked(std::move(entry));
      appended = true;
    }
  }
  if (appended) {
    WakeListeners();
  } else {
    OnHead(std::move(self), entry.seq);
  }
}

void RoomFeed::BeginLocalAppend() {
  absl::MutexLock lock(&mu_);
  ++local_appends_;
}

void RoomFeed::EndLocalAppend(std::shared_ptr<RoomFeed> self) {
  bool start = false;
  int64_t from = 0;
  {
    absl::MutexLock lock(&mu_);
    --local_appends_;
    MaybeLoadLocked(&start);
    from = loaded_head_;
  }
  if (start) load_(std::move(self), from);
}

void RoomFeed::Loaded(std::shared_ptr<RoomFeed> self, std::vector<FeedEntry> entries) {
  bool again = false;
  int64_t from = 0;
  {
    absl::MutexLock lock(&mu_);
    for (FeedEntry& e : entries) {
      if (e.seq > loaded_head_) AppendLocked(std::move(e));
    }
    loading_ = false;
    // An empty load while more is wanted means the head we were told of is not visible yet
    // (or was wrong): the next notification or poll asks again.
    if (!entries.empty()) MaybeLoadLocked(&again);
    from = loaded_head_;
  }
  if (!entries.empty()) WakeListeners();
  if (again) load_(std::move(self), from);
}

void RoomFeed::LoadFailed() {
  absl::MutexLock lock(&mu_);
  loading_ = false;  // the poll asks again
}

void RoomFeed::Ephemeral(int kind, Frame frame) {
  // The snapshot is held by name: a range-for over *ListenersCopy() would free it when a
  // listener detaches mid-loop.
  const std::shared_ptr<const Listeners> listeners = ListenersCopy();
  for (const auto& l : *listeners) l->OfferEphemeral(kind, frame);
  WakeListeners();
}

void RoomFeed::Attach(std::shared_ptr<FeedListener> listener) {
  absl::MutexLock lock(&mu_);
  const FeedListener* key = listener.get();
  listeners_[key] = std::move(listener);
  listeners_snapshot_.reset();
}

void RoomFeed::Detach(const FeedListener* listener) {
  absl::MutexLock lock(&mu_);
  if (listeners_.erase(listener) > 0) listeners_snapshot_.reset();
}

size_t RoomFeed::listeners() const {
  absl::MutexLock lock(&mu_);
  return listeners_.size();
}

void RoomFeed::WakeAll() { WakeListeners(); }

void RoomFeed::CloseAll(const absl::Status& status) {
  // Closing detaches listeners, which drops the feed's snapshot: hold this one.
  const std::shared_ptr<const Listeners> listeners = ListenersCopy();
  for (const auto& l : *listeners) l->Close(status);
}

std::shared_ptr<const RoomFeed::Listeners> RoomFeed::ListenersCopy() const {
  absl::MutexLock lock(&mu_);
  if (listeners_snapshot_ == nullptr) {
    auto all = std::make_shared<Listeners>();
    all->reserve(listeners_.size());
    for (const auto& [key, l] : listeners_) all->push_back(l);
    listeners_snapshot_ = std::move(all);
  }
  return listeners_snapshot_;
}

}  // namespace shopcast::realtime_push::rooms
