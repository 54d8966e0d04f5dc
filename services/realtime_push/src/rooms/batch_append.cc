#include "rooms/batch_append.h"

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <pqxx/binarystring>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "rooms/feed_hub.h"
#include "rooms/projection.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::rooms {
namespace {

// Locks the rooms in stream id order (ORDER BY runs below the row locking, so the locks are
// taken in that order) and returns each one's head and whether it is closed.
struct RoomHead {
  int64_t head = 0;
  bool closed = false;
};
absl::flat_hash_map<std::string, RoomHead> LockRooms(pqxx::work& tx,
                                                     const std::vector<std::string>& rooms) {
  db::PgArray ids;
  for (const std::string& r : rooms) ids.Text(r);
  absl::flat_hash_map<std::string, RoomHead> heads;
  for (const auto& row : tx.exec_prepared("rp_lock_rooms", ids.Literal())) {
    heads[row[0].as<std::string>()] = RoomHead{row[1].as<int64_t>(), row[2].as<bool>()};
  }
  return heads;
}

// The sequences of the requests' (stream, event id) pairs already in the log.
std::map<std::pair<std::string, std::string>, int64_t> StoredEventIds(
    pqxx::work& tx, const std::vector<AppendRequest>& requests) {
  db::PgArray streams;
  db::PgArray event_ids;
  for (const AppendRequest& r : requests) {
    streams.Text(r.stream_id);
    event_ids.Text(r.event_id);
  }
  std::map<std::pair<std::string, std::string>, int64_t> seen;
  for (const auto& row :
       tx.exec_prepared("rp_select_event_ids", streams.Literal(), event_ids.Literal())) {
    seen[{row[0].as<std::string>(), row[1].as<std::string>()}] = row[2].as<int64_t>();
  }
  return seen;
}

// The new events' columns.
struct Rows {
  std::vector<std::string> streams;
  std::vector<int64_t> seqs;
  db::PgArray stream_col, seq_col, event_id_col, kind_col, event_col;

  // The stored event of `request` at `appended`'s sequence: its bytes (the log's, and what
  // every subscriber gets) into `appended` and a row here.
  pb::RoomEvent Seal(const AppendRequest& request, Appended& appended) {
    pb::RoomEvent event = request.event;
    event.set_stream_id(request.stream_id);
    event.set_sequence(appended.seq);
    event.set_ephemeral(false);
    event.set_event_id(request.event_id);
    appended.bytes = event.SerializeAsString();
    Add(request.stream_id, appended.seq, request.event_id, appended.kind, appended.bytes);
    return event;
  }

  void Add(const std::string& stream_id, int64_t seq, const std::string& event_id, int kind,
           const std::string& bytes) {
    streams.push_back(stream_id);
    seqs.push_back(seq);
    stream_col.Text(stream_id);
    seq_col.Int(seq);
    event_id_col.Text(event_id);
    kind_col.Int(kind);
    event_col.Bytes(bytes);
  }
};

// Product card upserts, folded per (room, product) and written in one statement. Folding is
// exact: applied one by one, an upsert replaces the card when its version is at least the
// stored one's, so the last card carrying the highest version wins whatever was stored, and
// the row, when new, keeps the first card's sequence.
class CardUpserts {
 public:
  void Add(const std::string& stream_id, int64_t seq, const pb::ProductCard& card) {
    auto [it, inserted] = index_.try_emplace({stream_id, card.product_id()}, cards_.size());
    if (inserted) {
      cards_.push_back(Card{stream_id, card.product_id(), card, seq});
    } else if (card.version() >= cards_[it->second].card.version()) {
      cards_[it->second].card = card;
    }
  }

  void Flush(pqxx::work& tx) {
    if (cards_.empty()) return;
    Columns c = Take();
    tx.exec_prepared0("rp_upsert_cards", c.streams.Literal(), c.products.Literal(),
                      c.bytes.Literal(), c.versions.Literal(), c.seqs.Literal());
  }

  // The folded cards as kUpsertCards' columns; empties this.
  struct Columns {
    db::PgArray streams, products, bytes, versions, seqs;
  };
  Columns Take() {
    Columns out;
    for (const Card& c : cards_) {
      out.streams.Text(c.stream_id);
      out.products.Text(c.product_id);
      out.bytes.Bytes(c.card.SerializeAsString());
      out.versions.Int(c.card.version());
      out.seqs.Int(c.first_seq);
    }
    cards_.clear();
    index_.clear();
    return out;
  }

 private:
  struct Card {
    std::string stream_id;
    std::string product_id;
    pb::ProductCard card;
    int64_t first_seq = 0;
  };
  std::vector<Card> cards_;
  std::map<std::pair<std::string, std::string>, size_t> index_;
};

}  // namespace

namespace tx {

std::vector<absl::StatusOr<Appended>> AppendBatch(pqxx::work& tx,
                                                  const std::vector<AppendRequest>& requests) {
  std::vector<absl::StatusOr<Appended>> out;
  out.reserve(requests.size());
  if (requests.empty()) return out;

  std::vector<std::string> rooms;
  for (const AppendRequest& r : requests) rooms.push_back(r.stream_id);
  std::sort(rooms.begin(), rooms.end());
  rooms.erase(std::unique(rooms.begin(), rooms.end()), rooms.end());

  absl::flat_hash_map<std::string, RoomHead> heads = LockRooms(tx, rooms);
  std::map<std::pair<std::string, std::string>, int64_t> seen = StoredEventIds(tx, requests);

  // Decide every outcome, then write.
  Rows rows;
  std::vector<pb::RoomEvent> appended_events;
  for (const AppendRequest& r : requests) {
    auto room = heads.find(r.stream_id);
    if (room == heads.end()) {
      out.push_back(
          NotFound("ROOM_NOT_FOUND", "no such room (a room opens when its stream is created)"));
      continue;
    }
    Appended a;
    a.stream_id = r.stream_id;
    a.kind = static_cast<int>(r.event.payload_case());
    auto [prior, fresh] = seen.try_emplace({r.stream_id, r.event_id}, 0);
    if (!fresh) {
      a.seq = prior->second;
      a.duplicate = true;
      out.push_back(std::move(a));
      continue;
    }
    if (room->second.closed && r.event.payload_case() != pb::RoomEvent::kStreamStatusChanged) {
      seen.erase(prior);
      out.push_back(
          Error(absl::StatusCode::kFailedPrecondition, "ROOM_CLOSED", "the room is closed"));
      continue;
    }
    a.seq = ++room->second.head;
    prior->second = a.seq;  // a later copy in this batch is its duplicate
    appended_events.push_back(rows.Seal(r, a));
    out.push_back(std::move(a));
  }
  if (rows.streams.empty()) return out;

  tx.exec_prepared0("rp_insert_events", rows.stream_col.Literal(), rows.seq_col.Literal(),
                    rows.event_id_col.Literal(), rows.kind_col.Literal(), rows.event_col.Literal());
  db::PgArray moved_rooms;
  db::PgArray moved_heads;
  for (const std::string& room : rooms) {
    auto it = heads.find(room);
    if (it == heads.end()) continue;
    moved_rooms.Text(room);
    moved_heads.Int(it->second.head);
  }
  // The room state, in log order; card upserts go together until another kind needs them.
  CardUpserts cards;
  for (size_t i = 0; i < appended_events.size(); ++i) {
    if (const pb::ProductCard* card = UpsertedCard(appended_events[i])) {
      cards.Add(rows.streams[i], rows.seqs[i], *card);
      continue;
    }
    cards.Flush(tx);
    ApplyToRoomState(tx, rows.streams[i], rows.seqs[i], appended_events[i]);
  }
  cards.Flush(tx);
  tx.exec_prepared("rp_advance_heads_and_notify", moved_rooms.Literal(), moved_heads.Literal());
  return out;
}

}  // namespace tx

std::optional<std::vector<Appended>> AppendAtKnownHeads(
    pqxx::connection& conn, const std::vector<AppendRequest>& requests,
    const absl::flat_hash_map<std::string, int64_t>& heads) {
  if (requests.empty()) return std::vector<Appended>{};
  // Each room's head as the batch moves it, in stream id order (the statement locks in it).
  std::map<std::string, std::pair<int64_t, int64_t>> moved;  // room -> (expected, new)
  absl::flat_hash_map<std::pair<std::string, std::string>, bool> ids;
  for (const AppendRequest& r : requests) {
    if (StateEffectOf(r.event) == StateEffect::kOther) return std::nullopt;
    if (!ids.emplace(std::make_pair(r.stream_id, r.event_id), true).second) return std::nullopt;
    auto known = heads.find(r.stream_id);
    if (known == heads.end()) return std::nullopt;
    moved.try_emplace(r.stream_id, known->second, known->second);
  }
  std::vector<Appended> out;
  out.reserve(requests.size());
  Rows rows;
  CardUpserts cards;
  for (const AppendRequest& r : requests) {
    Appended a;
    a.stream_id = r.stream_id;
    a.kind = static_cast<int>(r.event.payload_case());
    a.seq = ++moved[r.stream_id].second;
    const pb::RoomEvent event = rows.Seal(r, a);
    if (const pb::ProductCard* card = UpsertedCard(event)) cards.Add(r.stream_id, a.seq, *card);
    out.push_back(std::move(a));
  }
  db::PgArray room_col, expected_col, head_col;
  for (const auto& [room, h] : moved) {
    room_col.Text(room);
    expected_col.Int(h.first);
    head_col.Int(h.second);
  }
  CardUpserts::Columns c = cards.Take();
  pqxx::nontransaction ntx(conn);
  const pqxx::row row = ntx.exec_prepared1(
      "rp_append_at_known_heads", room_col.Literal(), expected_col.Literal(), head_col.Literal(),
      rows.stream_col.Literal(), rows.seq_col.Literal(), rows.event_id_col.Literal(),
      rows.kind_col.Literal(), rows.event_col.Literal(), c.streams.Literal(), c.products.Literal(),
      c.bytes.Literal(), c.versions.Literal(), c.seqs.Literal());
  if (!row[0].as<bool>()) return std::nullopt;
  return out;
}

BatchAppender::BatchAppender(db::Pool& pool, FeedHub& hub, BatchOptions options,
                             prometheus::Registry* registry)
    : pool_(pool), hub_(hub), options_(options) {
  if (registry != nullptr) {
    batch_sizes_ =
        &prometheus::BuildHistogram()
             .Name("shopcast_realtime_push_publish_batch_size")
             .Help("Published events appended per transaction (group commit)")
             .Register(*registry)
             .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256});
    auto& paths = prometheus::BuildCounter()
                      .Name("shopcast_realtime_push_publish_batches_total")
                      .Help(
                          "Publish batches appended, by path: one statement at the heads this "
                          "replica knows, or a transaction")
                      .Register(*registry);
    statement_batches_metric_ = &paths.Add({{"path", "statement"}});
    transaction_batches_metric_ = &paths.Add({{"path", "transaction"}});
  }
}

BatchAppender::~BatchAppender() { Stop(); }

void BatchAppender::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void BatchAppender::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  // Never started: nothing will append what is queued.
  std::deque<Pending> left;
  {
    absl::MutexLock lock(&mu_);
    left.swap(queue_);
  }
  for (Pending& p : left) {
    p.done(Error(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
                 "this replica is shutting down; publish again"));
  }
}

void BatchAppender::Submit(AppendRequest request, Done done) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(request), std::move(done)});
      return;
    }
  }
  done(Error(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
             "this replica is shutting down; publish again"));
}

void BatchAppender::Loop() {
  const size_t max_batch = static_cast<size_t>(std::max(1, options_.max_batch));
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; };
  auto full = [this, max_batch]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() >= max_batch || stopping_;
  };
  for (;;) {
    std::vector<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&ready));
      if (options_.linger > absl::ZeroDuration()) {
        mu_.AwaitWithTimeout(absl::Condition(&full), options_.linger);
      }
      if (queue_.empty()) return;  // stopping, and everything queued was appended
      const size_t n = std::min(queue_.size(), max_batch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Flush(std::move(batch));
  }
}

void BatchAppender::Flush(std::vector<Pending> batch) {
  if (batch_sizes_ != nullptr) batch_sizes_->Observe(static_cast<double>(batch.size()));
  std::vector<AppendRequest> requests;
  requests.reserve(batch.size());
  for (Pending& p : batch) requests.push_back(std::move(p.request));
  std::vector<std::string> rooms;
  for (const AppendRequest& r : requests) rooms.push_back(r.stream_id);
  std::sort(rooms.begin(), rooms.end());
  rooms.erase(std::unique(rooms.begin(), rooms.end()), rooms.end());
  // This replica's feeds get the events below without reading them back when our own NOTIFY
  // beats the commit's reply here.
  FeedHub::LocalAppends local = hub_.ExpectLocalAppends(rooms);
  absl::StatusOr<std::vector<absl::StatusOr<Appended>>> results = absl::UnknownError("");
  if (auto one_statement = TryKnownHeads(requests)) {
    results = *std::move(one_statement);
    one_statement_batches_.fetch_add(1);
    if (statement_batches_metric_ != nullptr) statement_batches_metric_->Increment();
  } else {
    results = db::InTransaction(
        pool_, [&](pqxx::work& t) -> absl::StatusOr<std::vector<absl::StatusOr<Appended>>> {
          return tx::AppendBatch(t, requests);
        });
    transaction_batches_.fetch_add(1);
    if (transaction_batches_metric_ != nullptr) transaction_batches_metric_->Increment();
  }
  if (!results.ok()) {
    for (Pending& p : batch) p.done(results.status());
    return;
  }
  RememberHeads(requests, *results);
  {
    // The batch's rooms queued together (wake_queue.h), before the Publish calls are
    // answered: each answer is a write of its own on this thread, and gRPC's threads can
    // start on the rooms meanwhile.
    FeedHub::WakeupBatch wakeups(hub_);
    for (const absl::StatusOr<Appended>& r : *results) {
      if (r.ok()) hub_.OnAppended(*r);
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move((*results)[i]));
}

std::optional<std::vector<absl::StatusOr<Appended>>> BatchAppender::TryKnownHeads(
    const std::vector<AppendRequest>& requests) {
  for (const AppendRequest& r : requests) {
    if (!known_heads_.contains(r.stream_id)) return std::nullopt;
  }
  absl::StatusOr<db::Pool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return std::nullopt;  // the transaction path waits and reports
  std::optional<std::vector<Appended>> appended;
  try {
    appended = AppendAtKnownHeads(**lease, requests, known_heads_);
  } catch (const std::exception& e) {
    // Nothing written (or, the connection lost, perhaps everything: the transaction path then
    // finds the event ids and answers duplicates with their sequences).
    if (!(*lease)->is_open() || ReasonOf(db::MapDbException(e)) == db::kReasonConnectionLost) {
      lease->MarkBroken();
    }
    return std::nullopt;
  }
  if (!appended) {
    // A head moved (another replica), a room closed or an event id is stored: learn again.
    for (const AppendRequest& r : requests) known_heads_.erase(r.stream_id);
    return std::nullopt;
  }
  std::vector<absl::StatusOr<Appended>> out;
  out.reserve(appended->size());
  for (Appended& a : *appended) out.push_back(std::move(a));
  return out;
}

void BatchAppender::RememberHeads(const std::vector<AppendRequest>& requests,
                                  const std::vector<absl::StatusOr<Appended>>& results) {
  // Bounded: rooms that stop publishing are forgotten wholesale now and then, and relearnt
  // through one transaction each.
  constexpr size_t kMaxKnownRooms = 100000;
  if (known_heads_.size() > kMaxKnownRooms) known_heads_.clear();
  for (size_t i = 0; i < results.size() && i < requests.size(); ++i) {
    const absl::StatusOr<Appended>& r = results[i];
    if (!r.ok()) {
      known_heads_.erase(requests[i].stream_id);  // unknown or closed
      continue;
    }
    if (r->duplicate) continue;  // says nothing about the head
    int64_t& head = known_heads_[r->stream_id];
    head = std::max(head, r->seq);
  }
}

}  // namespace shopcast::realtime_push::rooms
