#include "sales/rules.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::order::sales {
namespace {

// google.protobuf.Timestamp's own bounds: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

bool ValidTimestamp(const google::protobuf::Timestamp& ts) {
  return ts.seconds() >= kMinSeconds && ts.seconds() <= kMaxSeconds && ts.nanos() >= 0 &&
         ts.nanos() <= 999999999;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void CheckPageSize(std::vector<Violation>& out, int size, int max) {
  if (size < 0 || size > max) {
    out.push_back({"page.page_size", "PAGE_SIZE_INVALID",
                   absl::StrCat("page_size must be 0..", max, " (0 = the default)")});
  }
}

}  // namespace

absl::Status ToStatus(const std::vector<Violation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  std::string message = absl::StrJoin(violations, "; ", [](std::string* s, const Violation& v) {
    absl::StrAppend(s, v.field, ": ", v.message);
  });
  return InvalidArgument(violations.front().field, violations.front().reason, message);
}

absl::StatusOr<StreamSalesQuery> ValidateStreamSales(const v1::GetStreamSalesRequest& request) {
  std::vector<Violation> out;
  if (request.stream_id().empty()) {
    out.push_back({"stream_id", "ID_REQUIRED", "stream_id is required"});
  } else if (!ids::IsValidId(request.stream_id(), "str")) {
    out.push_back({"stream_id", "STREAM_ID_INVALID", "expected a str_ stream id"});
  }
  CheckPageSize(out, request.page().page_size(), kMaxSalesPageSize);
  RETURN_IF_ERROR(ToStatus(out));
  StreamSalesQuery q;
  q.stream_id = request.stream_id();
  if (request.page().page_size() > 0) q.page_size = request.page().page_size();
  q.page_token = request.page().page_token();
  return q;
}

absl::StatusOr<SellerStatsQuery> ValidateSellerStats(const auth::Caller& caller,
                                                     const v1::GetSellerStatsRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kHost));
  std::vector<Violation> out;
  if (!request.seller_id().empty() && !ids::IsValidId(request.seller_id(), "usr")) {
    out.push_back({"seller_id", "SELLER_ID_INVALID", "expected a usr_ user id or nothing"});
  }
  SellerStatsQuery q;
  bool times_valid = true;
  if (request.has_from()) {
    if (ValidTimestamp(request.from())) {
      q.window.from = ToTime(request.from());
    } else {
      times_valid = false;
      out.push_back({"from", "TIMESTAMP_INVALID", "from is not a valid timestamp"});
    }
  }
  if (request.has_to()) {
    if (ValidTimestamp(request.to())) {
      q.window.to = ToTime(request.to());
    } else {
      times_valid = false;
      out.push_back({"to", "TIMESTAMP_INVALID", "to is not a valid timestamp"});
    }
  }
  if (times_valid && request.has_from() && request.has_to()) {
    if (q.window.from >= q.window.to) {
      out.push_back({"to", "RANGE_INVALID", "to must be later than from"});
    } else if (q.window.to - q.window.from > kMaxRange) {
      out.push_back({"to", "RANGE_TOO_LONG", "from and to are at most 366 days apart"});
    }
  }
  CheckPageSize(out, request.page().page_size(), kMaxStreamsPageSize);
  RETURN_IF_ERROR(ToStatus(out));
  q.seller_id = request.seller_id().empty() ? caller.user_id : request.seller_id();
  if (q.seller_id != caller.user_id && caller.role != auth::Role::kAdmin) {
    return PermissionDenied("ADMIN_ONLY", "only an admin may read another seller's stats");
  }
  if (request.page().page_size() > 0) q.page_size = request.page().page_size();
  q.page_token = request.page().page_token();
  return q;
}

std::string SaleCursorId(const std::string& order_id, int line_no) {
  return absl::StrCat(order_id, "/", line_no);
}

bool ParseSaleCursorId(const std::string& id, std::string* order_id, int* line_no) {
  const size_t slash = id.rfind('/');
  if (slash == std::string::npos || slash == 0) return false;
  int n = 0;
  if (!absl::SimpleAtoi(absl::string_view(id).substr(slash + 1), &n) || n < 0) return false;
  *order_id = id.substr(0, slash);
  *line_no = n;
  return true;
}

int64_t RefundShare(int64_t goods_left, int64_t line_total) {
  return std::clamp<int64_t>(goods_left, 0, std::max<int64_t>(line_total, 0));
}

int64_t MinuteOf(absl::Time t) {
  // Floor, also before the epoch.
  return absl::ToUnixSeconds(t) >= 0 ? absl::ToUnixSeconds(t) / 60
                                     : -((-absl::ToUnixSeconds(t) + 59) / 60);
}

absl::Time MinuteStart(int64_t minute) { return absl::FromUnixSeconds(minute * 60); }

}  // namespace shopcast::order::sales
