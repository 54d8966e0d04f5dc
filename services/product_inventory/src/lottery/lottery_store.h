#pragma once

// Lotteries on PostgreSQL. A start locks the product, takes the units out of its stock total
// (stock::tx::AdjustTotal, so Reserve cannot sell them meanwhile) and records the lottery with
// a fresh CSPRNG seed and its commitment; an entry holds the lottery's row FOR SHARE while it
// checks the window and inserts itself once per user; the draw holds the row FOR UPDATE (so
// it sees every entry that got in, and no later one), recomputes nothing it cannot show —
// lottery_rules::Draw over the seed and the entrants in entry order — gives the units back and
// holds the winners' in the same transaction, and records the audit. Room events go to the
// outbox in the transaction of the change.

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/auth/caller.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::lottery {

// Makes "<prefix>_…" ids.
using IdMaker = std::function<std::string(absl::string_view prefix)>;
// Told after a commit that changed `product_id`'s stock (the stock area's room announcements).
using StockChanged = std::function<void(const std::string& product_id)>;

inline constexpr int kMaxUnits = 10'000;
inline constexpr absl::Duration kMinWindow = absl::Seconds(10);
inline constexpr absl::Duration kMaxWindow = absl::Hours(24);
inline constexpr absl::Duration kMaxLeadTime = absl::Hours(24 * 7);
inline constexpr absl::Duration kClockSkew = absl::Minutes(1);
inline constexpr absl::Duration kMinWinnerHold = absl::Minutes(5);
inline constexpr absl::Duration kMaxWinnerHold = absl::Hours(24);
inline constexpr absl::Duration kDefaultWinnerHold = absl::Minutes(30);
// Lottery.cancel_reason values.
inline constexpr char kCancelReasonHost[] = "HOST_CANCELLED";
inline constexpr char kCancelReasonStreamEnded[] = "STREAM_ENDED";

// A checked StartLottery.
struct StartParams {
  std::string product_id;
  int32_t units = 0;
  absl::Time opens_at;
  absl::Time closes_at;
  absl::Duration winner_hold = kDefaultWinnerHold;
  std::string key;
};

struct Entry {
  v1::Lottery lottery;
  bool already_entered = false;
  absl::Time entered_at;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<pagetoken::Cursor> next;
};

class LotteryStore {
 public:
  struct Options {
    // Entries one lottery accepts (approximate under concurrency: a few more may get in).
    int64_t max_entrants = 50'000;
  };

  // `stock_changed` may be null.
  LotteryStore(db::Pool& pool, IdMaker new_id, StockChanged stock_changed, Options options);

  // Opens a lottery of the caller's (or, for an admin, anyone's) product. A repeated (caller,
  // key) returns the lottery it started.
  absl::StatusOr<v1::Lottery> Start(const auth::Caller& caller, const StartParams& params);
  // Enters the caller once; a repeat returns the first entry.
  absl::StatusOr<Entry> Enter(const auth::Caller& caller, const std::string& lottery_id);
  // `caller` null for anonymous readers.
  absl::StatusOr<v1::Lottery> Get(const std::string& lottery_id, const auth::Caller* caller,
                                  bool include_entrants);
  // A stream's lotteries, newest first.
  absl::StatusOr<Page<v1::Lottery>> List(const std::string& stream_id, const auth::Caller* caller,
                                         const pagetoken::Cursor& after, int limit);
  // The seller (or an admin) draws a lottery whose window has closed; idempotent once drawn.
  absl::StatusOr<v1::Lottery> Draw(const auth::Caller& caller, const std::string& lottery_id);

  // The seller (or an admin) calls off a lottery not drawn yet: the units go back to the
  // stock, the entries are marked, the room is told (reason HOST_CANCELLED). Idempotent on a
  // cancelled lottery; FAILED_PRECONDITION/LOTTERY_ALREADY_DRAWN on a drawn one.
  absl::StatusOr<v1::Lottery> Cancel(const auth::Caller& caller, const std::string& lottery_id);

  // video_ingest.stream_ended (EventSink, after the stream directory's handler, in its
  // transaction): each running lottery of the stream whose window is over is drawn, every
  // other one cancelled (reason STREAM_ENDED). Other events: nothing.
  absl::Status OnPeerEvent(pqxx::work& tx, const common::v1::Event& event, absl::Time now);

  // The drawer's step: claims the most overdue running lottery no other replica holds
  // (SKIP LOCKED) and draws it. True if one was drawn, false if none is due.
  absl::StatusOr<bool> DrawOneDue();

  // Writes one lottery_entries room event with the committed entry count of `lottery_id`
  // (nothing once drawn or for a lottery without a stream).
  absl::Status AnnounceEntries(const std::string& lottery_id);

 private:
  db::Pool& pool_;
  IdMaker new_id_;
  StockChanged stock_changed_;
  Options options_;
};

}  // namespace shopcast::product_inventory::lottery
