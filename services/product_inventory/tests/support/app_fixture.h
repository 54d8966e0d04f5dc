#pragma once

// product-inventory in-process for tests: replicas (each a whole App, built from a Config
// exactly as the binary builds it, with its own pool and gRPC host) over one fresh test
// database, tokens for any user and role, and a direct connection to check what was stored.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "app/app.h"
#include "grpcpp/client_context.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/server/host.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::product_inventory::testing {

namespace pb = ::shopcast::product_inventory::v1;

// Adds `authorization: Bearer <token>` to `ctx`.
void Authorize(grpc::ClientContext& ctx, const std::string& token);

// Edits a replica's Config before it is built (ports, database, keys and credentials are set
// by the fixture).
using ConfigEdit = std::function<void(Config&)>;

class Replica {
 public:
  explicit Replica(const Config& config, const AppOverrides& overrides = {});
  ~Replica();

  std::unique_ptr<pb::ProductInventoryService::Stub> Stub() const;
  // EventSink on the internal listener, presenting `client`'s certificate.
  std::unique_ptr<common::v1::EventSink::Stub> SinkStub(const auth::ServiceTls& client) const;
  server::ServiceHost& host() const { return app_->host(); }
  App& app() { return *app_; }

 private:
  std::unique_ptr<App> app_;
};

class AppFixture {
 public:
  AppFixture();

  // A replica with the fixture's defaults.
  Replica& AddReplica(const ConfigEdit& edit = nullptr, const AppOverrides& overrides = {});
  Config BaseConfig() const;
  // A signed access token for `user_id` with `role` ("viewer", "host", "admin").
  std::string TokenFor(const std::string& user_id, const std::string& role = "host") const;
  const std::string& dsn() const { return db_.dsn(); }
  // The credential of a peer service ("video-ingest", "realtime-push", "order").
  auth::ServiceTls Peer(const std::string& name) const { return pki_.Of(name); }
  auth::ServiceTlsFiles PeerFiles(const std::string& name) const { return pki_.FilesOf(name); }
  // The tools/dev-pki folder of those credentials (its CA signs every one of them).
  std::string pki_dir() const { return dir_.File("pki"); }
  // A fresh str_ id hosted by `host_id`, as video-ingest's stream_created would record it
  // (ended when `ended`).
  std::string AddStream(const std::string& host_id, bool ended = false);
  // Delivers video-ingest's stream_ended for `stream` to `r`'s EventSink as event `event_id`
  // (throws unless it is accepted).
  void EndStream(Replica& r, const std::string& stream, const std::string& event_id) const;
  // The single value of `sql` run on the test database (e.g. "SELECT count(*) FROM products").
  int64_t Count(const std::string& sql) const;

  // A personal notification in the outbox (common/user_notifications.h): its NotifyRequest,
  // the row's destination and the id of the transaction that wrote it (xmin).
  struct OutboxNotification {
    realtime_push::v1::NotifyRequest request;
    std::string destination;
    std::string xmin;
  };
  // The notifications of outbox type "product_inventory.<type>" (e.g. "queue_admitted") for
  // `user_id`, oldest first.
  std::vector<OutboxNotification> NotificationsOf(const std::string& user_id,
                                                  const std::string& type) const;

 private:
  shopcast::testing::TempDir dir_;
  auth::testing::DevPki pki_;
  std::string signing_key_file_;
  std::string page_token_key_file_;
  shopcast::testing::TestDatabase db_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

}  // namespace shopcast::product_inventory::testing
