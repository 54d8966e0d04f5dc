#pragma once

// The parts every data-owning service builds from its ServiceConfig before its own areas, each
// built the same way everywhere: the listeners' options, the page-token codec, the revocation
// sync with the user service, and the outbox relay to the peers' EventSinks. A service's App
// owns what these return and decides when to start and stop them.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/registry.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/relay.h"
#include "shopcast/events/sink.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/service_config.h"

namespace shopcast::startup {

// `s` with its message prefixed by the start-up step it failed at ("migrate: …"); ok stays ok.
absl::Status AtStep(absl::string_view step, const absl::Status& s);

// The public and internal listeners, metrics, executor (one thread per pooled connection) and
// shutdown timing, as configured; the internal listener takes service certificates only.
server::HostOptions HostOptionsFor(absl::string_view service, const ServiceConfig& config,
                                   const auth::ServiceTls& tls);

// The codec sealing list page tokens, keyed from `key_file` (required).
absl::StatusOr<std::unique_ptr<pagetoken::Codec>> LoadPageTokens(const std::string& key_file);

// Pulls token revocations into `revoked` from the user service's internal listener. Without a
// configured address: nullptr (tokens honoured until they expire), or an error if `required`.
// Until its first sync, tokens are honoured and shopcast_revocations_stale says so.
absl::StatusOr<std::unique_ptr<auth::RevocationSync>> MakeRevocationSync(
    const ServiceConfig& config, const auth::ServiceTls& tls, auth::RevocationList& revoked,
    prometheus::Registry* metrics, bool required = false);

// The outbox relay, delivering to each configured destination's EventSink (the peer's internal
// listener, our certificate presented). Destinations without an address keep their events in
// the outbox until their service is configured. A failed round is retried with backoff and
// logged as outbox_delivery_failed.
class OutboxDelivery {
 public:
  // A sink other than the peer's EventSink for some destination (product-inventory publishes
  // room events straight to realtime-push's Publish); returning nullptr means the default.
  using SinkFactory = std::function<absl::StatusOr<std::unique_ptr<events::Sink>>(
      const std::string& destination, const std::string& addr)>;

  // An empty `sinks` map builds nothing: Start and Stop do nothing. Delivered events are
  // deleted `retain_delivered` after delivery (a service whose events carry secrets keeps
  // them minutes, not the default day).
  static absl::StatusOr<std::unique_ptr<OutboxDelivery>> Create(
      db::Pool& pool, const std::map<std::string, std::string>& sinks, const auth::ServiceTls& tls,
      prometheus::Registry* metrics, const SinkFactory& custom_sink = nullptr,
      absl::Duration retain_delivered = absl::Hours(24));
  ~OutboxDelivery();

  void Start();
  void Stop();
  bool enabled() const { return relay_ != nullptr; }

 private:
  OutboxDelivery() = default;
  std::vector<std::unique_ptr<events::Sink>> sinks_;
  std::unique_ptr<events::Relay> relay_;
};

}  // namespace shopcast::startup
