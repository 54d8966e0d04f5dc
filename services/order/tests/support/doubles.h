#pragma once

// Test doubles of the checkout's peers: a payment provider whose answers follow the test
// tokens (and a script of failures), and a product-inventory holding reservations in memory
// with the checkout RPCs' rules. Thread-safe; they count what was asked of them.

#include <deque>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "checkout/inventory.h"
#include "payments/provider.h"

namespace shopcast::order::testing {

class ScriptedProvider : public payments::PaymentProvider {
 public:
  std::string name() const override { return "placeholder"; }
  absl::StatusOr<payments::ProviderPayment> Authorize(const payments::AuthorizeRequest& request,
                                                      absl::Time deadline) override;
  absl::StatusOr<payments::ProviderPayment> Capture(const std::string& payment_id,
                                                    absl::Time deadline) override;
  absl::StatusOr<payments::ProviderPayment> Void(const std::string& payment_id,
                                                 absl::Time deadline) override;
  absl::StatusOr<payments::ProviderPayment> Refund(const std::string& payment_id,
                                                   const std::string& refund_id,
                                                   int64_t amount_minor,
                                                   absl::Time deadline) override;
  absl::StatusOr<payments::ProviderPayment> Lookup(const std::string& payment_id,
                                                   absl::Time deadline) override;

  // Settles a pending payment (CompletePlaceholderPayment's provider side).
  absl::Status Settle(const std::string& payment_id, bool approve, const std::string& code);
  // The next Authorize calls answer these errors first, in order, without touching anything.
  void FailNextAuthorize(absl::Status s);

  // The next Refund calls answer these errors first, in order, without touching anything.
  void FailNextRefund(absl::Status s);
  // Refund calls made, distinct refunds taken (per payment and refund id), their sum.
  int refund_calls() const;
  int refunds() const;
  int64_t refunded_total() const;

  int authorize_calls() const;
  // Payments that reached kAuthorized or later (never more than one per payment id).
  int authorizations() const;
  int64_t captured_total() const;
  payments::ProviderState StateOf(const std::string& payment_id) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, payments::ProviderPayment> payments_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Status> authorize_errors_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Status> refund_errors_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> refunds_ ABSL_GUARDED_BY(mu_);
  int refund_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int authorize_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int authorizations_ ABSL_GUARDED_BY(mu_) = 0;
};

class FakeInventory : public checkout::Inventory {
 public:
  struct Item {
    product_inventory::v1::Reservation reservation;
    product_inventory::v1::Product product;
    product_inventory::v1::ShippingProfile profile;
  };

  // A HELD reservation of `quantity` units at `unit_minor` USD for `buyer`, of a product of
  // `seller` in `stream` that ships anywhere for 500 (+100 per further unit). Returns its id.
  std::string AddHold(const std::string& buyer, const std::string& seller,
                      const std::string& stream, int quantity, int64_t unit_minor);
  // The hold lapses: GetForCheckout shows it EXPIRED, Lock and Commit refuse it.
  void Expire(const std::string& reservation_id);
  // Commit refuses with RESERVATION_EXPIRED (the hold lapsed while payment ran).
  void ExpireAtCommit(const std::string& reservation_id);
  // Every call answers UNAVAILABLE while down.
  void SetDown(bool down);
  // The next GetForCheckout answers, then every call answers UNAVAILABLE until SetDown(false).
  void GoDownAfterNextGet();

  product_inventory::v1::ReservationStatus StatusOf(const std::string& reservation_id) const;
  std::string ReleaseReasonOf(const std::string& reservation_id) const;
  int commits() const;

  absl::StatusOr<product_inventory::v1::GetReservationForCheckoutResponse> GetForCheckout(
      const std::string& reservation_id, const std::string& buyer_id) override;
  absl::StatusOr<product_inventory::v1::Reservation> Lock(const std::string& reservation_id,
                                                          const std::string& order_id,
                                                          absl::Duration lock_duration) override;
  absl::StatusOr<product_inventory::v1::Reservation> Commit(const std::string& reservation_id,
                                                            const std::string& order_id) override;
  absl::Status Release(const std::string& reservation_id, const std::string& order_id,
                       const std::string& reason) override;
  // A COMMITTED reservation of `order_id` becomes RELEASED (as product-inventory shows a
  // returned sale); a repeat answers OK without returning twice.
  absl::Status ReturnCommittedStock(const std::string& reservation_id,
                                    const std::string& order_id) override;

  // Units given back by ReturnCommittedStock (each sale at most once), and calls made.
  int returned_units() const;
  int return_calls() const;
  bool Returned(const std::string& reservation_id) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Item> items_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bool> expire_at_commit_ ABSL_GUARDED_BY(mu_);
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  bool down_after_get_ ABSL_GUARDED_BY(mu_) = false;
  int commits_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::string> returned_ ABSL_GUARDED_BY(mu_);  // reservation -> order
  int returned_units_ ABSL_GUARDED_BY(mu_) = 0;
  int return_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::order::testing
