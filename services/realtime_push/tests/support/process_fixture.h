#pragma once

// The realtime-push binary as a child process (what Kubernetes runs): replicas on a shared
// throwaway database, started from flags and environment, with the ports they bound to 0 read
// from their `server_started` log line.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::realtime_push::testing {

// What the replicas of one deployment share: database, signing key and service credentials.
class Deployment {
 public:
  // `pki_dir` (tools/dev-pki folder) holds or receives the CA and the realtime-push and
  // video-ingest certificates; "" makes one in the deployment's scratch folder.
  explicit Deployment(std::string pki_dir = "");

  const std::string& dsn() const { return db_.dsn(); }
  const std::string& pki_dir() const { return pki_dir_; }
  std::string public_key_file() const { return dir_.File("signing.pub.pem"); }
  std::string LogPath(const std::string& name) const { return dir_.File(name); }
  auth::ServiceTlsFiles TlsOf(const std::string& service) const;

 private:
  shopcast::testing::TempDir dir_;
  std::string pki_dir_;
  shopcast::testing::TestDatabase db_;
};

class Process {
 public:
  // Starts replica `name` of `deployment` and waits until it serves. `extra_env`
  // ("SHOPCAST_REALTIME_PUSH_X=y") adds settings or replaces the defaults.
  Process(const Deployment& deployment, const std::string& name,
          std::vector<std::string> extra_env = {});
  ~Process();

  int grpc_port() const { return grpc_port_; }
  int internal_grpc_port() const { return internal_grpc_port_; }
  std::string internal_target() const { return "127.0.0.1:" + std::to_string(internal_grpc_port_); }
  std::unique_ptr<v1::RealtimePushService::Stub> PublicStub() const;
  // On the internal listener with video-ingest's certificate (an event producer).
  std::unique_ptr<v1::RealtimePushInternalService::Stub> InternalStub() const;

  // SIGTERM; the exit code, or -1 after `timeout`.
  int Terminate(absl::Duration timeout);
  void Kill();
  std::string log() const { return proc_->log(); }

 private:
  const Deployment& deployment_;
  std::unique_ptr<shopcast::testing::ChildProcess> proc_;
  int grpc_port_ = 0;
  int internal_grpc_port_ = 0;
};

}  // namespace shopcast::realtime_push::testing
