#pragma once

// The fault test's world: the real product-inventory binary and replicas of the order binary
// as child processes, each service on its own fresh database of the run's PostgreSQL, with the
// credentials they share (product-inventory's process-test world). Any process can be
// SIGKILLed and started again while clients use it; clients take the current stub for each
// call.
//
// An order replica starts on port 0 each time (its clients follow the new stub, as a
// load-balancer would send them to the new pod). product-inventory comes back on the ports it
// had, because the order replicas keep calling the address they were configured with (a k8s
// Service address does not change when its pod does); they are picked below the ephemeral
// port range for that (fault_world.cc).

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "product_inventory/tests/app/process_world.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"

namespace shopcast::order::faults {

namespace pb = ::shopcast::order::v1;
namespace pi = ::shopcast::product_inventory::v1;
namespace pit = ::shopcast::product_inventory::testing;

// How the order process is configured for a run (short leases: recovery is quick).
struct OrderSettings {
  absl::Duration saga_lease = absl::Seconds(1);
  absl::Duration recovery_interval = absl::Milliseconds(100);
  absl::Duration provider_timeout = absl::Milliseconds(200);
  int provider_attempts = 2;
  absl::Duration inventory_timeout = absl::Seconds(3);
  int db_pool_size = 6;
};

// A product the buyers buy.
struct Listed {
  std::string id;
  int64_t units = 0;
};

class FaultWorld {
 public:
  // Makes the databases and credentials and starts product-inventory (no order replica yet).
  // `replicas` order processes share the order database, as replicas of a deployment do.
  explicit FaultWorld(int replicas = 1);
  ~FaultWorld();

  // A listed fixed-price product of usr_host with `units` (1500 USD, 500 shipping), made
  // through product-inventory's public API. `key` tells products apart.
  Listed CreateProduct(const std::string& key, int64_t units);

  int replicas() const { return static_cast<int>(orders_.size()); }
  // Starts order replica `r` (first time or after a kill) and waits until it serves.
  void StartOrder(int r, const OrderSettings& settings);
  // SIGKILLs order replica `r` and reaps it.
  void KillOrder(int r);
  // SIGTERM to every order replica (drained, exit 0 expected); the first non-zero exit code,
  // or 0.
  int StopOrders();
  // SIGKILLs product-inventory and starts it again on the same ports; waits until it serves.
  void RestartInventory();

  // The stubs of the processes as they are now (a dead replica's until it is restarted).
  std::shared_ptr<pb::OrderService::Stub> Order(int r);
  std::shared_ptr<pi::ProductInventoryService::Stub> Inventory();

  // A token of `user` (viewer) valid for both services.
  std::string BuyerToken(const std::string& user) const {
    return w_.Token(user, auth::Role::kViewer);
  }

  const std::string& order_dsn() const { return order_db_.dsn(); }
  const std::string& inventory_dsn() const { return w_.dsn(); }
  // Every order process's log so far (the dead ones' and the live ones'), concatenated.
  std::string OrderLogs();

 private:
  struct Replica {
    std::unique_ptr<shopcast::testing::ChildProcess> proc;
    std::shared_ptr<pb::OrderService::Stub> stub;
    int starts = 0;
  };

  std::vector<std::string> OrderEnv(const OrderSettings& s) const;
  void StartInventory();

  pit::ProcessWorld w_;
  shopcast::testing::TestDatabase order_db_;
  std::string first_product_;

  std::mutex mu_;
  std::unique_ptr<shopcast::testing::ChildProcess> inventory_;
  int inventory_port_ = 0;  // 0 until the first start picked it
  int inventory_internal_port_ = 0;
  int inventory_starts_ = 0;
  std::shared_ptr<pi::ProductInventoryService::Stub> inventory_stub_;

  std::vector<Replica> orders_;
  std::string dead_order_logs_;
};

}  // namespace shopcast::order::faults
