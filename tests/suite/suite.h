#pragma once

// The whole Shopcast suite as real processes on this machine, for end-to-end tests that drive
// it the way clients do (browser tests, the e2e show): every service binary started from flags
// and environment as Kubernetes starts it, each on its own throwaway database of the test run's
// PostgreSQL, sharing one signing key and one internal CA, every port bound to 0 and read back
// from the service's `server_started` log line. Services start in dependency order (a
// service is started once every address it needs is known), so no port is ever guessed:
//   user → realtime-push → recording-lifecycle → product-inventory → video-ingest → order →
//   gateway.
// recording-lifecycle's hot tier is video-ingest's segment root; its cold tier is the run's
// s3rver when the test requires the CTest fixture `recording_lifecycle_s3` (else an address
// nothing listens on: fine for a show that moves nothing to cold).

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::suite {

// recording-lifecycle's --public_base_url in the suite (see Suite::VodThroughGateway).
inline constexpr char kVodPublicBase[] = "http://gateway.suite.invalid";

// Where a started service listens (127.0.0.1; 0 = not served).
struct Endpoints {
  int grpc = 0;
  int internal_grpc = 0;
  int metrics = 0;
  int http = 0;  // gateway: the public HTTP port; product-inventory: its image origin;
                 // recording-lifecycle: its VOD origin
  int rtmp = 0, srt = 0, hls = 0;  // video-ingest
};

struct SuiteOptions {
  // Start the gateway last (needs its binary; see SuiteBinaries).
  bool gateway = true;
  // The web app's built files the gateway serves ("" = none).
  std::string web_root;
  // Extra "SHOPCAST_<SERVICE>_X=y" settings, appended to each service's environment.
  std::vector<std::string> extra_env;
  // A database per service to use instead of a fresh one on the run's PostgreSQL (libpq DSN),
  // e.g. one in a cluster of the test's own that a fault stops.
  std::map<std::string, std::string> database_dsn;
  // Where `service` is told to reach `peer` (a service started before it): given the peer's
  // real address ("127.0.0.1:<port>", its gRPC or internal listener), the address to give
  // instead (e.g. a fault proxy's in front of it), or "" to keep it. Unset: real addresses.
  std::function<std::string(const std::string& service, const std::string& peer,
                            const std::string& address)>
      peer_address;
  // Replicas of each stateless service (all but video-ingest, a StatefulSet that stays one),
  // started one after another on the same database. Every peer is given all of a service's
  // replicas as one gRPC multi-address target ("ipv4:127.0.0.1:a,127.0.0.1:b", see
  // PeerTarget), which libs/clients' round_robin spreads calls over and fails over from, as a
  // headless Service's dns:/// name does on Kubernetes. 1 = the suite exactly as before.
  // Kill/Restart/IsRunning act on replica 0.
  int replicas = 1;
  // Set: realtime-push sends e-mail through this SMTP relay (smtp://host:port), and the user
  // service's outbox delivers to realtime-push (password-reset e-mails). The user service starts
  // first (every other service needs its address), so it is restarted on its ports once
  // realtime-push's internal address is known.
  std::string smtp_url;
};

// A user account made with the user binary's `create-user` (as an operator does).
struct Account {
  std::string id;
  std::string username;
  std::string email;
  std::string password;
  auth::Role role = auth::Role::kViewer;
};

class Suite {
 public:
  // Starts everything and waits until each service answers its health check. Throws
  // std::runtime_error (failing the test) with the service's log tail if one does not start.
  explicit Suite(SuiteOptions options = {});
  ~Suite();  // SIGTERM in reverse order, then SIGKILL what is left.
  Suite(const Suite&) = delete;
  Suite& operator=(const Suite&) = delete;

  // "user", "realtime-push", "recording-lifecycle", "product-inventory", "video-ingest",
  // "order", "gateway". Replica 0's.
  const Endpoints& endpoints(const std::string& service) const;
  // ---- replicas (SuiteOptions::replicas); replica 0 is the one the methods above name ----
  int replicas(const std::string& service) const;
  const Endpoints& endpoints(const std::string& service, int replica) const;
  // The public gRPC API of every replica as one target: "127.0.0.1:<grpc>" with one replica,
  // else "ipv4:127.0.0.1:<grpc 0>,127.0.0.1:<grpc 1>,…". PeerInternalTarget: the internal
  // listeners'. What each service is given for its peers.
  std::string PeerTarget(const std::string& service) const;
  std::string PeerInternalTarget(const std::string& service) const;
  // A channel to PeerTarget with round_robin (as the gateway dials its upstreams).
  std::shared_ptr<grpc::Channel> PeerChannel(const std::string& service) const;
  // http://127.0.0.1:<port> of each gateway replica, in replica order (a load balancer in
  // front of them spreads clients over these).
  std::vector<std::string> gateway_urls() const;
  // SIGKILLs replica `replica` of `service` and waits for it to be gone (its peers find out
  // as production's do: connections refused, round_robin moves on). Not restarted.
  void KillReplica(const std::string& service, int replica);
  bool ReplicaRunning(const std::string& service, int replica) const;
  std::string LogOf(const std::string& service, int replica) const;
  // "127.0.0.1:<grpc>" / "127.0.0.1:<internal>"; with replicas, every replica's (PeerTarget).
  std::string GrpcTarget(const std::string& service) const;
  std::string InternalTarget(const std::string& service) const;
  // http://127.0.0.1:<port> of the gateway (no trailing slash).
  std::string gateway_url() const;
  // recording-lifecycle's signed VOD URLs (GetPlaybackUrl, clips) start with kVodPublicBase,
  // because the gateway's port is not known when recording-lifecycle starts; this gives the
  // same URL on the gateway (its /vod/ proxy). Other URLs are returned as they are.
  std::string VodThroughGateway(const std::string& url) const;
  // rtmp://127.0.0.1:<port>/live/<stream key>
  std::string RtmpUrl(const std::string& stream_key) const;
  // The service credential of `service` (one of the seven), for internal calls in tests.
  auth::ServiceTlsFiles TlsOf(const std::string& service) const;
  std::string LogOf(const std::string& service) const;
  // The service's process id (to stop and continue it), -1 if not running.
  pid_t PidOf(const std::string& service) const;
  // A file in the suite's scratch folder (removed with the suite).
  std::string File(const std::string& name) const { return dir_.File(name); }

  // Faults. Kill: SIGKILL, waits until the process is gone. Restart: starts it again with the
  // same environment, on the same ports and database (peers reconnect by themselves), and
  // waits until it answers its health check; its log goes on in "<service>.log.<n>" (LogOf
  // reads the newest). Throws like the constructor if it does not come back.
  void Kill(const std::string& service);
  void Restart(const std::string& service);
  bool IsRunning(const std::string& service);
  // The libpq DSN of the service's database (not the gateway's: it has none).
  std::string DsnOf(const std::string& service) const;

  // Creates an account (password `password`, at least 12 characters); throws on failure.
  Account CreateAccount(const std::string& username, auth::Role role,
                        const std::string& password = "correct horse battery");
  // Logs `account` in over the user service's gRPC API; the access token.
  std::string Login(const Account& account) const;

 private:
  struct Running;
  void Start(const std::string& service, std::vector<std::string> env);
  void Launch(Running& running, const std::string& log_path);
  Running& Find(const std::string& service) const;
  std::vector<std::string> CommonEnv(const std::string& service) const;
  // Rewrites peers' addresses in `env` as options_.peer_address says.
  void RoutePeers(const std::string& service, std::vector<std::string>& env) const;

  SuiteOptions options_;
  shopcast::testing::TempDir dir_;
  std::map<std::string, shopcast::testing::TestDatabase> databases_;
  std::vector<std::unique_ptr<Running>> running_;  // in start order
  std::map<std::string, Endpoints> endpoints_;
  std::map<std::string, std::vector<Endpoints>> replica_endpoints_;  // by replica
};

}  // namespace shopcast::suite
