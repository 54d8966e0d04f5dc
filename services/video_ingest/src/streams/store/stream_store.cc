// StreamStore: the operations behind the gRPC service (create, read, change, list, end).
#include "streams/store/stream_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "streams/proto_time.h"
#include "streams/store/sql.h"
#include "streams/store/store_tx.h"

namespace shopcast::video_ingest::streams {

using internal::Micros;
using internal::Nullable;
using internal::S;
using internal::StoreTx;

namespace {

constexpr int kMaxIdAttempts = 3;

StreamPage PageOf(const pqxx::result& r, int limit, int64_t (*key)(const StreamRow&)) {
  StreamPage page;
  for (const auto& row : r) {
    if (static_cast<int>(page.streams.size()) == limit) {
      const StreamRow& last = page.streams.back();
      page.next = PageCursor{false, key(last), last.id};
      break;
    }
    page.streams.push_back(internal::ParseStream(row));
  }
  return page;
}

int64_t WentLiveKey(const StreamRow& s) {
  return s.went_live_at ? absl::ToUnixMicros(*s.went_live_at) : 0;
}
int64_t ScheduleKey(const StreamRow& s) {
  return s.scheduled_start_at ? absl::ToUnixMicros(*s.scheduled_start_at) : 0;
}
int64_t CreatedKey(const StreamRow& s) { return absl::ToUnixMicros(s.created_at); }

Nullable PriceMinor(const std::optional<AccessPrice>& p) {
  return p ? Nullable(absl::StrCat(p->amount_minor)) : Nullable();
}
Nullable PriceCurrency(const std::optional<AccessPrice>& p) {
  return p ? Nullable(p->currency) : Nullable();
}

template <typename Event>
void SetGating(bool gated, const std::optional<AccessPrice>& price, Event& e) {
  e.set_gated(gated);
  if (!price) return;
  e.mutable_access_price()->set_amount_minor(price->amount_minor);
  e.mutable_access_price()->set_currency(price->currency);
}

}  // namespace

std::string PlaybackUrl(std::string_view base_url, std::string_view stream_id) {
  return absl::StrCat(internal::A(base_url), "/live/", internal::A(stream_id), "/index.m3u8");
}

std::string ThumbnailUrl(std::string_view base_url, std::string_view stream_id) {
  return absl::StrCat(internal::A(base_url), "/live/", internal::A(stream_id), "/thumb.jpg");
}

StreamStore::StreamStore(db::Pool& pool, StoreOptions options)
    : pool_(pool), options_(std::move(options)) {}

std::vector<std::pair<std::string, std::string>> StreamStore::PreparedStatements() {
  return sql::PreparedStatements();
}

absl::StatusOr<StreamRow> StreamStore::CreateStream(const NewStream& in, absl::Time now) {
  // 128 random bits collide essentially never, but the database is the judge: retry then.
  for (int attempt = 0; attempt < kMaxIdAttempts; ++attempt) {
    std::string id = ids::NewId("str");
    bool id_collision = false;
    auto result = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamRow> {
      StoreTx t(tx, options_);
      tx.exec_prepared("vi_lock_host", in.host_id);
      pqxx::result earlier =
          tx.exec_prepared("vi_select_by_idempotency_key", in.host_id, in.idempotency_key);
      if (!earlier.empty()) {
        // Like Stripe: a key names one request; the same key with other content is a client
        // bug, not a retry, and must not be answered as if it were.
        if (!earlier[0][1].is_null() && earlier[0][1].as<std::string>() != in.request_fingerprint) {
          return InvalidArgument("idempotency_key", "IDEMPOTENCY_KEY_REUSED",
                                 "this idempotency key was used for a request with other "
                                 "content; use a new key for a new stream");
        }
        return Error(absl::StatusCode::kFailedPrecondition, "STREAM_KEY_ALREADY_ISSUED",
                     "this request already created a stream and its key was shown once; "
                     "rotate the key to get a new one",
                     "idempotency_key");
      }
      int64_t open = tx.exec_prepared1("vi_count_open_streams", in.host_id)[0].as<int64_t>();
      if (open >= options_.max_open_streams_per_host) {
        return Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_OPEN_STREAMS",
                     absl::StrCat("at most ", options_.max_open_streams_per_host,
                                  " streams may be open at once; end one first"));
      }
      Nullable scheduled = Micros(in.scheduled_start_at);
      Nullable price_minor = PriceMinor(in.access_price);
      Nullable price_currency = PriceCurrency(in.access_price);
      try {
        tx.exec_prepared("vi_insert_stream", id, in.host_id, in.title, in.description,
                         db::TextArray(in.tags), scheduled.get(), absl::ToUnixMicros(now),
                         in.key_hash, in.key_hint, in.idempotency_key, in.request_fingerprint,
                         in.gated, price_minor.get(), price_currency.get());
      } catch (const pqxx::unique_violation&) {
        id_collision = true;  // the idempotency key was checked under the host lock
        return absl::AbortedError("id collision");
      }
      std::optional<StreamRow> row = t.Lock(id);
      vpb::StreamCreated e;
      e.set_stream_id(id);
      e.set_host_id(in.host_id);
      e.set_title(in.title);
      for (const std::string& tag : in.tags) e.add_tags(tag);
      if (in.scheduled_start_at) ToProto(*in.scheduled_start_at, e.mutable_scheduled_start_at());
      ToProto(row->created_at, e.mutable_created_at());
      SetGating(row->gated, row->access_price, e);
      t.Emit("stream_created", id, e);
      return *row;
    });
    if (result.ok() || !id_collision) return result;
  }
  return absl::InternalError("could not allocate a unique stream id");
}

absl::StatusOr<StreamRow> StreamStore::GetStream(std::string_view stream_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamRow> {
    pqxx::result r = tx.exec_prepared("vi_select_stream", S(stream_id));
    if (r.empty()) return internal::StreamNotFound();
    return StoreTx(tx, options_).WithSession(internal::ParseStream(r[0]));
  });
}

absl::StatusOr<StreamRow> StreamStore::RotateKey(std::string_view stream_id,
                                                 std::string_view host_id,
                                                 std::string_view key_hash,
                                                 std::string_view key_hint, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamRow> {
    StoreTx t(tx, options_);
    std::optional<StreamRow> s = t.Lock(stream_id);
    if (!s) return internal::StreamNotFound();
    if (s->host_id != host_id) return internal::NotOwner();
    if (IsTerminal(s->status)) return internal::StreamEnded();
    tx.exec_prepared("vi_save_stream_key", s->id, S(key_hash), S(key_hint),
                     absl::ToUnixMicros(now));
    return t.WithSession(*t.Lock(stream_id));
  });
}

absl::StatusOr<StreamRow> StreamStore::UpdateStream(std::string_view stream_id,
                                                    std::string_view host_id, const StreamUpdate& u,
                                                    absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamRow> {
    StoreTx t(tx, options_);
    std::optional<StreamRow> s = t.Lock(stream_id);
    if (!s) return internal::StreamNotFound();
    if (s->host_id != host_id) return internal::NotOwner();
    if (IsTerminal(s->status)) return internal::StreamEnded();
    if (s->version != u.expected_version) {
      return Error(absl::StatusCode::kAborted, "VERSION_MISMATCH",
                   "the stream changed since it was read; read it again", "stream.version");
    }
    if (u.scheduled_start_at && s->status != cpb::STREAM_STATUS_PREPARING) {
      return Error(absl::StatusCode::kFailedPrecondition, "STREAM_ALREADY_STARTED",
                   "the schedule can only change before the stream starts",
                   "stream.scheduled_start_at");
    }
    if (u.title) s->title = *u.title;
    if (u.description) s->description = *u.description;
    if (u.tags) s->tags = *u.tags;
    if (u.scheduled_start_at) s->scheduled_start_at = *u.scheduled_start_at;
    if (u.gated) s->gated = *u.gated;
    if (u.access_price) s->access_price = *u.access_price;
    if (s->gated && !s->access_price) {
      return InvalidArgument("stream.access_price", "ACCESS_PRICE_REQUIRED",
                             "a gated stream needs an access price");
    }
    Nullable scheduled = Micros(s->scheduled_start_at);
    Nullable price_minor = PriceMinor(s->access_price);
    Nullable price_currency = PriceCurrency(s->access_price);
    tx.exec_prepared("vi_save_stream_content", s->id, s->title, s->description,
                     db::TextArray(s->tags), scheduled.get(), absl::ToUnixMicros(now),
                     s->gated, price_minor.get(), price_currency.get());
    StreamRow saved = t.WithSession(*t.Lock(stream_id));
    vpb::StreamUpdated e;
    e.set_stream_id(saved.id);
    e.set_title(saved.title);
    e.set_description(saved.description);
    for (const std::string& tag : saved.tags) e.add_tags(tag);
    if (saved.scheduled_start_at) {
      ToProto(*saved.scheduled_start_at, e.mutable_scheduled_start_at());
    }
    e.set_version(saved.version);
    SetGating(saved.gated, saved.access_price, e);
    t.Emit("stream_updated", saved.id, e);
    return saved;
  });
}

absl::StatusOr<StreamPage> StreamStore::ListLive(std::string_view tag, std::string_view host_id,
                                                 int limit, const PageCursor& after) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamPage> {
    // One extra row tells whether another page exists.
    pqxx::result r = tx.exec_prepared("vi_list_live", S(tag), S(host_id), after.first, after.key,
                                      after.id, limit + 1);
    return PageOf(r, limit, WentLiveKey);
  });
}

absl::StatusOr<StreamPage> StreamStore::ListUpcoming(std::string_view tag, std::string_view host_id,
                                                     absl::Time now, int limit,
                                                     const PageCursor& after) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamPage> {
    pqxx::result r = tx.exec_prepared("vi_list_upcoming", S(tag), S(host_id), after.first,
                                      after.key, after.id, limit + 1, absl::ToUnixMicros(now));
    return PageOf(r, limit, ScheduleKey);
  });
}

absl::StatusOr<StreamPage> StreamStore::ListByHost(std::string_view host_id,
                                                   const std::vector<cpb::StreamStatus>& statuses,
                                                   int limit, const PageCursor& after) {
  std::string status_list = absl::StrCat("{", absl::StrJoin(statuses, ","), "}");
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamPage> {
    pqxx::result r = tx.exec_prepared("vi_list_mine", S(host_id), status_list, after.first,
                                      after.key, after.id, limit + 1);
    return PageOf(r, limit, CreatedKey);
  });
}

absl::StatusOr<StreamRow> StreamStore::EndStream(std::string_view stream_id,
                                                 std::string_view host_id,
                                                 vpb::RecordingChoice choice, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamRow> {
    StoreTx t(tx, options_);
    std::optional<StreamRow> s = t.Lock(stream_id);
    if (!s) return internal::StreamNotFound();
    if (s->host_id != host_id) return internal::NotOwner();
    if (!IsTerminal(s->status)) {
      bool never_live = s->status == cpb::STREAM_STATUS_PREPARING;
      t.End(*s, cpb::STREAM_STATUS_ENDED,
            never_live ? vpb::STREAM_END_REASON_CANCELLED : vpb::STREAM_END_REASON_HOST_ENDED,
            never_live ? s->error_reason : cpb::STREAM_ERROR_REASON_UNSPECIFIED, choice,
            vpb::SESSION_END_REASON_STREAM_ENDED, now);
    }
    return t.WithSession(*s);
  });
}

absl::StatusOr<StreamRow> StreamStore::ForceEndStream(std::string_view stream_id,
                                                      std::string_view note, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamRow> {
    StoreTx t(tx, options_);
    std::optional<StreamRow> s = t.Lock(stream_id);
    if (!s) return internal::StreamNotFound();
    if (!IsTerminal(s->status)) {
      std::string n = S(note);
      t.End(*s, cpb::STREAM_STATUS_ERROR, vpb::STREAM_END_REASON_FORCE_ENDED,
            cpb::STREAM_ERROR_REASON_POLICY_VIOLATION, vpb::RECORDING_CHOICE_UNDECIDED,
            vpb::SESSION_END_REASON_STREAM_ENDED, now, n.c_str());
    }
    return t.WithSession(*s);
  });
}

absl::StatusOr<std::vector<StreamRow>> StreamStore::LookupStreams(
    const std::vector<std::string>& ids) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<StreamRow>> {
    std::vector<StreamRow> out;
    for (const auto& row : tx.exec_prepared("vi_lookup_streams", db::TextArray(ids))) {
      StreamRow& s = out.emplace_back(internal::ParseStream(row));
      s.hls_origin = row[row.size() - 1].as<std::string>();
    }
    return out;
  });
}

absl::StatusOr<SegmentPage> StreamStore::ListSegments(std::string_view stream_id,
                                                      int64_t from_sequence, int limit,
                                                      const PageCursor& after) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<SegmentPage> {
    if (tx.exec_prepared("vi_stream_exists", S(stream_id)).empty()) {
      return internal::StreamNotFound();
    }
    pqxx::result r = tx.exec_prepared("vi_list_segments", S(stream_id), from_sequence, after.first,
                                      after.key, limit + 1);
    SegmentPage page;
    for (const auto& row : r) {
      if (static_cast<int>(page.segments.size()) == limit) {
        const SegmentRow& last = page.segments.back();
        page.next = PageCursor{false, last.info.sequence, ""};
        break;
      }
      page.segments.push_back(internal::ParseSegment(row));
    }
    return page;
  });
}

}  // namespace shopcast::video_ingest::streams
