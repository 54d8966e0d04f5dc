#include "sales/sale_notices.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shopcast/money/money.h"

namespace shopcast::realtime_push::sales {
namespace {

// An amount as the notices write it: "12.50 EUR".
std::string Price(const common::v1::Money& m) {
  return money::AmountText(m.amount_minor(), m.currency());
}

// The product or item name for a title: cleaned and short enough to leave room around it.
std::string ItemName(absl::string_view title, absl::string_view fallback) {
  std::string clean = notify::CleanTruncated(title, 80);
  return clean.empty() ? std::string(fallback) : clean;
}

std::string OrderItem(const opb::Order& order) {
  if (order.lines_size() == 0) return "your order";
  const opb::OrderLine& first = order.lines(0);
  std::string name =
      ItemName(first.title(), first.access_stream_id().empty() ? "your item" : "an access pass");
  if (order.lines_size() > 1) absl::StrAppend(&name, " and ", order.lines_size() - 1, " more");
  return name;
}

std::string Title(absl::string_view prefix, absl::string_view item) {
  return notify::CleanTruncated(absl::StrCat(prefix, item), notify::kMaxTitleChars);
}

std::string FailureText(opb::OrderFailureReason reason) {
  switch (reason) {
    case opb::ORDER_FAILURE_REASON_PAYMENT_DECLINED:
      return "Your payment was declined.";
    case opb::ORDER_FAILURE_REASON_RESERVATION_EXPIRED:
      return "Your hold on the item expired before checkout finished.";
    case opb::ORDER_FAILURE_REASON_PAYMENT_TIMEOUT:
      return "The payment provider did not answer in time.";
    case opb::ORDER_FAILURE_REASON_PAYMENT_ERROR:
      return "The payment could not be processed.";
    default:
      return "The order could not be completed.";
  }
}

}  // namespace

std::string MaskedBuyer(absl::string_view buyer_id) {
  const size_t underscore = buyer_id.find('_');
  absl::string_view body =
      underscore == absl::string_view::npos ? buyer_id : buyer_id.substr(underscore + 1);
  if (body.empty()) return "someone";
  auto lower = [](char c) {
    return static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(c)));
  };
  return absl::StrCat(std::string(1, lower(body.front())), "***",
                      std::string(1, lower(body.back())));
}

common::v1::Money SaleAmount(const opb::SaleRecorded& sale) {
  if (sale.has_amount()) return sale.amount();
  common::v1::Money m;
  m.set_currency(sale.unit_price().currency());
  m.set_amount_minor(sale.unit_price().amount_minor() * sale.quantity());
  return m;
}

pb::SaleTicker TickerOf(const opb::SaleRecorded& sale) {
  pb::SaleTicker t;
  t.set_product_id(sale.product_id());
  t.set_title(sale.product_title());
  t.set_quantity(sale.quantity());
  *t.mutable_unit_price() = sale.unit_price();
  t.set_buyer_display_name(sale.buyer_display_name().empty() ? MaskedBuyer(sale.buyer_id())
                                                             : sale.buyer_display_name());
  t.set_product_units_sold(sale.stream_units_sold());
  t.set_stream_units_sold(sale.stream_total_units_sold());
  *t.mutable_moment_at() = sale.moment_at();
  return t;
}

notify::PersonalNotice SaleMadeNotice(const opb::SaleRecorded& sale, absl::string_view event_id) {
  notify::PersonalNotice n;
  n.user_id = sale.seller_id();
  n.dedupe_key = absl::StrCat("sale:", event_id);
  n.preference = notify::kOrderUpdatesPreference;
  notify::Content& c = n.content;
  c.kind = pb::NOTIFICATION_KIND_SALE_MADE;
  const std::string item = ItemName(sale.product_title(), "an item");
  c.title = Title(absl::StrCat("You sold ", sale.quantity(), " x "), item);
  const std::string buyer = notify::CleanTruncated(
      sale.buyer_display_name().empty() ? MaskedBuyer(sale.buyer_id()) : sale.buyer_display_name(),
      60);
  c.body = absl::StrCat(buyer.empty() ? "A buyer" : buyer, " bought ", sale.quantity(), " x ", item,
                        " for ", Price(SaleAmount(sale)),
                        sale.stream_id().empty() ? "." : " during your live stream.",
                        " Ship it from the order page.");
  c.stream_id = sale.stream_id();
  c.product_id = sale.product_id();
  c.auction_id = sale.auction_id();
  c.order_id = sale.order_id();
  c.link = absl::StrCat("/orders/", sale.order_id());
  return n;
}

std::optional<notify::PersonalNotice> OrderUpdateNotice(const opb::OrderStatusChanged& change,
                                                        absl::string_view event_id) {
  const opb::Order& order = change.order();
  const bool partial_refund =
      order.status() == change.previous_status() && change.partial_refund().amount_minor() > 0;
  if (order.status() == change.previous_status() && !partial_refund) return std::nullopt;
  const std::string item = OrderItem(order);
  const std::string total = Price(order.total());
  notify::PersonalNotice n;
  notify::Content& c = n.content;
  // A partial refund keeps the order's status: it is told apart before the status is read.
  switch (partial_refund ? opb::ORDER_STATUS_UNSPECIFIED : order.status()) {
    case opb::ORDER_STATUS_UNSPECIFIED:
      c.title = Title("Partial refund: ", item);
      c.body =
          absl::StrCat(Price(change.partial_refund()), " of ", total, " is being refunded to you.");
      break;
    case opb::ORDER_STATUS_CONFIRMED:
      c.title = Title("Order confirmed: ", item);
      c.body = absl::StrCat("Thank you! You paid ", total, ".",
                            order.lines_size() > 0 && !order.lines(0).access_stream_id().empty()
                                ? " Your access pass is ready."
                                : " The seller will let you know when it ships.");
      break;
    case opb::ORDER_STATUS_SHIPPED:
      c.title = Title("Shipped: ", item);
      c.body = "Your order is on its way.";
      if (!order.carrier().empty() || !order.tracking_number().empty()) {
        const std::string carrier = notify::CleanTruncated(order.carrier(), 100);
        const std::string tracking = notify::CleanTruncated(order.tracking_number(), 100);
        if (!carrier.empty()) absl::StrAppend(&c.body, " Carrier: ", carrier, ".");
        if (!tracking.empty()) absl::StrAppend(&c.body, " Tracking number: ", tracking, ".");
      }
      break;
    case opb::ORDER_STATUS_CANCELLED:
      c.title = Title("Order cancelled: ", item);
      c.body =
          change.previous_status() == opb::ORDER_STATUS_PENDING_PAYMENT
              ? "Your order was cancelled. Nothing was charged."
              : absl::StrCat("Your order was cancelled and ", total, " is being refunded to you.");
      break;
    case opb::ORDER_STATUS_REFUNDED:
      c.title = Title("Order refunded: ", item);
      c.body = absl::StrCat(total, " is being refunded to you.");
      break;
    case opb::ORDER_STATUS_FAILED:
      c.title = Title("Order not completed: ", item);
      c.body = absl::StrCat(FailureText(order.failure_reason()), " Nothing was charged.");
      break;
    default:
      return std::nullopt;
  }
  if (c.title.empty()) c.title = "Your order was updated";
  c.kind = pb::NOTIFICATION_KIND_ORDER_UPDATE;
  n.user_id = order.buyer_id();
  n.dedupe_key = absl::StrCat("order:", event_id);
  n.preference = notify::kOrderUpdatesPreference;
  c.stream_id = order.stream_id();
  if (order.lines_size() > 0) {
    c.product_id = order.lines(0).product_id();
    c.auction_id = order.lines(0).auction_id();
  }
  c.order_id = order.id();
  c.link = absl::StrCat("/orders/", order.id());
  return n;
}

}  // namespace shopcast::realtime_push::sales
