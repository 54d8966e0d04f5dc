#include "access/pass_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::order::access {
namespace {

constexpr char kField[] = "access_stream_id";

absl::Status Refuse(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kFailedPrecondition, reason, message, kField);
}

bool IsCurrency(const std::string& c) {
  return c.size() == 3 && absl::ascii_isupper(static_cast<unsigned char>(c[0])) &&
         absl::ascii_isupper(static_cast<unsigned char>(c[1])) &&
         absl::ascii_isupper(static_cast<unsigned char>(c[2]));
}

}  // namespace

bool StreamOver(const video_ingest::v1::StreamRef& stream) {
  switch (stream.status()) {
    case common::v1::STREAM_STATUS_PREPARING:
    case common::v1::STREAM_STATUS_LIVE:
    case common::v1::STREAM_STATUS_RECONNECTING:
      return false;
    default:
      return true;
  }
}

absl::StatusOr<PassQuote> QuotePass(const video_ingest::v1::StreamRef& stream,
                                    const std::string& buyer_id, auth::Role role,
                                    bool replay_kept) {
  if (!stream.gated()) {
    return Refuse("STREAM_NOT_GATED", "the stream is not gated: it plays without a pass");
  }
  if (stream.host_id() == buyer_id) {
    return Refuse("OWN_STREAM", "the host plays their own stream without a pass");
  }
  if (role == auth::Role::kAdmin) {
    return Refuse("ALREADY_ENTITLED", "admins play every stream without a pass");
  }
  if (StreamOver(stream) && !replay_kept) {
    return Refuse("STREAM_ENDED", "the show has ended and no replay of it is kept");
  }
  const common::v1::Money& price = stream.access_price();
  if (!stream.has_access_price() || price.amount_minor() <= 0 || !IsCurrency(price.currency())) {
    return Refuse("ACCESS_PRICE_UNAVAILABLE", "the stream has no usable access price");
  }
  return PassQuote{stream.stream_id(), stream.host_id(), price};
}

std::string PassTitle(const std::string& stream_id) {
  return absl::StrCat("Access pass: ", stream_id);
}

}  // namespace shopcast::order::access
