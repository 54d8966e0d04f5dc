#include "checkout_load.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace shopcast::bench::checkout {
namespace {

using Clock = std::chrono::steady_clock;
using PiStub = pi::ProductInventoryService::Stub;
using OrderStub = ov1::OrderService::Stub;

int64_t NanosSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count();
}

class Driver {
 public:
  Driver(const std::vector<std::unique_ptr<PiStub>>& pi_stubs,
         const std::vector<std::unique_ptr<OrderStub>>& order_stubs,
         const std::vector<std::string>& buyers, const ProductOf& product_of,
         const LoadOptions& options)
      : pi_stubs_(pi_stubs),
        order_stubs_(order_stubs),
        buyers_(buyers),
        product_of_(product_of),
        options_(options),
        slots_(static_cast<size_t>(options.buyers)),
        start_(Clock::now()),
        stop_at_(start_ + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(options.seconds))),
        active_(options.buyers) {}

  LoadResult Run() {
    for (int s = 0; s < options_.buyers; ++s) Start(s);
    {
      std::unique_lock<std::mutex> lock(mu_);
      idle_.wait(lock, [this] { return active_ == 0; });
    }
    LoadResult out;
    out.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    std::vector<int64_t> reserve, place, flow;
    for (const Slot& s : slots_) {
      reserve.insert(reserve.end(), s.reserve.begin(), s.reserve.end());
      place.insert(place.end(), s.place.begin(), s.place.end());
      flow.insert(flow.end(), s.flow.begin(), s.flow.end());
    }
    out.flows = next_.load();
    out.reserved = reserved_;
    out.reserve_refused = reserve_refused_;
    out.reserve_errors = reserve_errors_;
    out.confirmed = confirmed_;
    out.not_confirmed = not_confirmed_;
    out.place_errors = place_errors_;
    out.reserve = Summarize(std::move(reserve));
    out.place = Summarize(std::move(place));
    out.flow = Summarize(std::move(flow));
    return out;
  }

 private:
  // A slot's latencies (ns). A slot runs one flow at a time, so they need no lock.
  struct Slot {
    std::vector<int64_t> reserve, place, flow;
  };
  struct Flow {
    int slot = 0;
    int64_t i = 0;
    Clock::time_point t0, t_reserved;
    grpc::ClientContext reserve_ctx;
    pi::ReserveRequest reserve_req;
    pi::ReserveResponse reserve_res;
    grpc::ClientContext place_ctx;
    ov1::PlaceOrderRequest place_req;
    ov1::PlaceOrderResponse place_res;
  };

  const std::string& Buyer(int slot) const {
    return buyers_[static_cast<size_t>(slot) % buyers_.size()];
  }

  static void Prepare(grpc::ClientContext& ctx, const std::string& authorization) {
    ctx.AddMetadata("authorization", authorization);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  }

  // Slot `slot`'s next flow, or the slot retires once the time is up.
  void Start(int slot) {
    if (Clock::now() >= stop_at_) {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) idle_.notify_all();
      return;
    }
    auto* f = new Flow;
    f->slot = slot;
    f->i = next_.fetch_add(1);
    f->reserve_req.set_product_id(product_of_(f->i));
    f->reserve_req.set_quantity(1);
    f->reserve_req.set_idempotency_key(absl::StrCat("r", f->i));
    Prepare(f->reserve_ctx, Buyer(slot));
    PiStub& stub = *pi_stubs_[static_cast<size_t>(slot) % pi_stubs_.size()];
    f->t0 = Clock::now();
    stub.async()->Reserve(&f->reserve_ctx, &f->reserve_req, &f->reserve_res,
                          [this, f](grpc::Status s) { Reserved(f, s); });
  }

  void Reserved(Flow* f, const grpc::Status& s) {
    const int64_t took = NanosSince(f->t0);
    Slot& slot = slots_[static_cast<size_t>(f->slot)];
    slot.reserve.push_back(took);
    if (!s.ok()) {
      if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        reserve_refused_.fetch_add(1, std::memory_order_relaxed);
      } else {
        Report("Reserve", s, reserve_errors_);
      }
      Finish(f);
      return;
    }
    reserved_.fetch_add(1, std::memory_order_relaxed);
    if (options_.reserve_only) {
      slot.flow.push_back(took);
      Finish(f);
      return;
    }
    ov1::PlaceOrderRequest& r = f->place_req;
    r.set_reservation_id(f->reserve_res.reservation().id());
    r.set_idempotency_key(absl::StrCat("c", f->i));
    ov1::ShippingAddress* a = r.mutable_shipping_address();
    a->set_recipient_name("Ada Lovelace");
    a->set_line1("12 Analytical Row");
    a->set_city("London");
    a->set_postal_code("N1 9GU");
    a->set_country_code("GB");
    r.mutable_payment_method()->mutable_placeholder()->set_token(options_.payment_token);
    Prepare(f->place_ctx, Buyer(f->slot));
    OrderStub& stub = *order_stubs_[static_cast<size_t>(f->slot) % order_stubs_.size()];
    f->t_reserved = Clock::now();
    stub.async()->PlaceOrder(&f->place_ctx, &f->place_req, &f->place_res,
                             [this, f](grpc::Status st) { Placed(f, st); });
  }

  void Placed(Flow* f, const grpc::Status& s) {
    Slot& slot = slots_[static_cast<size_t>(f->slot)];
    slot.place.push_back(NanosSince(f->t_reserved));
    if (!s.ok()) {
      Report("PlaceOrder", s, place_errors_);
    } else if (f->place_res.order().status() == ov1::ORDER_STATUS_CONFIRMED) {
      confirmed_.fetch_add(1, std::memory_order_relaxed);
      slot.flow.push_back(NanosSince(f->t0));
    } else if (not_confirmed_.fetch_add(1) < 3) {
      std::fprintf(stderr, "PlaceOrder: order %s status %d failure_reason %d\n",
                   f->place_res.order().id().c_str(), f->place_res.order().status(),
                   f->place_res.order().failure_reason());
    }
    Finish(f);
  }

  static void Report(const char* call, const grpc::Status& s, std::atomic<int64_t>& errors) {
    if (errors.fetch_add(1) < 3) {
      std::fprintf(stderr, "%s: %d %s\n", call, static_cast<int>(s.error_code()),
                   s.error_message().c_str());
    }
  }

  void Finish(Flow* f) {
    const int slot = f->slot;
    delete f;
    Start(slot);
  }

  const std::vector<std::unique_ptr<PiStub>>& pi_stubs_;
  const std::vector<std::unique_ptr<OrderStub>>& order_stubs_;
  const std::vector<std::string>& buyers_;
  const ProductOf& product_of_;
  const LoadOptions options_;
  std::vector<Slot> slots_;
  const Clock::time_point start_, stop_at_;
  std::atomic<int64_t> next_{0}, reserved_{0}, reserve_refused_{0}, reserve_errors_{0},
      confirmed_{0}, not_confirmed_{0}, place_errors_{0};
  std::mutex mu_;
  std::condition_variable idle_;
  int active_;
};

}  // namespace

double LoadResult::completed_per_second() const {
  if (seconds <= 0) return 0;
  return static_cast<double>(flow.count) / seconds;
}

LoadResult RunLoad(const std::vector<std::unique_ptr<PiStub>>& pi_stubs,
                   const std::vector<std::unique_ptr<OrderStub>>& order_stubs,
                   const std::vector<std::string>& buyer_authorizations,
                   const ProductOf& product_of, const LoadOptions& options) {
  return Driver(pi_stubs, order_stubs, buyer_authorizations, product_of, options).Run();
}

}  // namespace shopcast::bench::checkout
