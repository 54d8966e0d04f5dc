#include "engagement/stats.h"

#include <optional>
#include <pqxx/binarystring>
#include <pqxx/result>
#include <pqxx/transaction>
#include <vector>

#include "engagement/room_check.h"
#include "engagement/stats_series.h"
#include "google/protobuf/util/time_util.h"
#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::engagement {
namespace {

namespace pb = ::shopcast::realtime_push::v1;

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t us = absl::ToInt64Microseconds(d);
  *out = google::protobuf::util::TimeUtil::MicrosecondsToDuration(us);
}

// Host-only figures, read in the caller's (consistent) transaction.
void ReadHostOnly(pqxx::work& tx, const std::string& stream, absl::Time opened, absl::Time end,
                  absl::Time now, pb::RoomStats& stats) {
  pqxx::result counters = tx.exec_prepared("rpe_read_counters", stream);
  if (!counters.empty()) stats.set_peak_viewer_count(counters[0][4].as<int64_t>());

  pqxx::result watch = tx.exec_prepared("rpe_stats_watch", stream, PgTime(now));
  stats.set_unique_viewers(watch[0][0].as<int64_t>());
  const int64_t sessions = watch[0][1].as<int64_t>();
  const int64_t watched_us = watch[0][2].as<int64_t>();
  SetDuration(absl::Microseconds(watched_us), stats.mutable_total_watch_time());
  SetDuration(absl::Microseconds(sessions > 0 ? watched_us / sessions : 0),
              stats.mutable_average_watch_time());

  int64_t units = 0;
  int64_t sales = 0;
  for (const auto& row : tx.exec_prepared("rpe_stats_sales", stream)) {
    units += row[1].as<int64_t>();
    sales += row[3].as<int64_t>();
    ::shopcast::common::v1::Money* revenue = stats.add_revenue();
    revenue->set_currency(row[0].as<std::string>());
    revenue->set_amount_minor(row[2].as<int64_t>());
  }
  stats.set_units_sold(units);
  stats.set_sales_count(sales);

  pqxx::result chat = tx.exec_prepared("rpe_stats_chat", stream);
  stats.set_chat_message_count(chat[0][0].as<int64_t>());
  stats.set_unique_chatters(chat[0][1].as<int64_t>());

  const absl::Time from = SeriesStart(opened, end);
  std::vector<absl::Time> chat_times;
  for (const auto& row : tx.exec_prepared("rpe_stats_chat_messages", stream)) {
    pb::ChatMessage m;
    if (m.ParseFromString(pqxx::binarystring(row[0]).str()) && m.has_sent_at()) {
      chat_times.push_back(FromProto(m.sent_at()));
    }
  }
  int64_t viewers_before = 0;
  pqxx::result before = tx.exec_prepared("rpe_stats_viewers_before", stream, PgTime(from));
  if (!before.empty()) viewers_before = before[0][0].as<int64_t>();
  std::vector<MinuteRow> rows;
  for (const auto& row : tx.exec_prepared("rpe_stats_minutes", stream, PgTime(from))) {
    MinuteRow m;
    m.minute = FromMicros(row[0].as<int64_t>());
    if (m.minute > end) break;
    m.viewers_max = row[1].as<int64_t>();
    m.viewers_last = row[2].as<int64_t>();
    m.likes = row[3].as<int64_t>();
    m.dislikes = row[4].as<int64_t>();
    rows.push_back(m);
  }
  for (const MinutePoint& p : BuildSeries(from, end, viewers_before, rows, chat_times)) {
    pb::StatsMinute* out = stats.add_minutes();
    ToProto(p.minute, out->mutable_minute());
    out->set_viewers(p.viewers);
    out->set_likes(p.likes);
    out->set_dislikes(p.dislikes);
    out->set_chat_messages(p.chat_messages);
  }
  stats.set_host_view(true);
}

}  // namespace

absl::StatusOr<std::string> StatsReader::HostOf(absl::string_view stream_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(RoomState room, ReadRoom(tx, stream_id));
    return room.host_id;
  });
}

absl::StatusOr<pb::RoomStats> StatsReader::Read(absl::string_view stream_id, bool host_view,
                                                absl::Time now) {
  const std::string stream(stream_id);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<pb::RoomStats> {
    // One snapshot: the counters, the sessions and the series agree.
    tx.exec0("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    pqxx::result room = tx.exec_prepared("rpe_stats_room", stream);
    if (room.empty()) {
      return NotFound("ROOM_NOT_FOUND", "no such room (a room opens when its stream is created)");
    }
    pb::RoomStats stats;
    stats.set_stream_id(stream);
    const absl::Time opened = FromMicros(room[0][1].as<int64_t>());
    std::optional<absl::Time> closed;
    if (!room[0][2].is_null()) closed = FromMicros(room[0][2].as<int64_t>());
    stats.set_open(!closed.has_value());
    ToProto(opened, stats.mutable_opened_at());
    if (closed) ToProto(*closed, stats.mutable_closed_at());
    pqxx::result counters = tx.exec_prepared("rpe_read_counters", stream);
    if (!counters.empty()) {
      stats.set_total_likes(counters[0][0].as<int64_t>());
      stats.set_total_dislikes(counters[0][1].as<int64_t>());
      stats.set_viewer_count(counters[0][3].as<int64_t>());
    }
    if (host_view) ReadHostOnly(tx, stream, opened, closed.value_or(now), now, stats);
    return stats;
  });
}

}  // namespace shopcast::realtime_push::engagement
