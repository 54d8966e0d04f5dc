// Streams for the HLS latency benchmark (run.sh): a signing key for video-ingest's
// VERIFY_KEY_FILES, then streams created through its public gRPC API with tokens signed by
// that key, as a host's app creates them.
//
//   hls_bench_streams --dir=D keygen
//       writes D/signing.key (private, PKCS#8) and D/signing.pub.pem (for the server)
//   hls_bench_streams --dir=D --target=127.0.0.1:P --count=N [--host_prefix=usr_bench] create
//       CreateStream N times, stream i as host <host_prefix><i> (a host may hold only a few open
//       streams); prints "<stream id> <stream key>" per line
//
// Exit code 0 only when every stream was created.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

ABSL_FLAG(std::string, dir, "", "folder of signing.key and signing.pub.pem");
ABSL_FLAG(std::string, target, "", "video-ingest's public gRPC address (create)");
ABSL_FLAG(int, count, 1, "streams to create (create)");
ABSL_FLAG(std::string, host_prefix, "usr_benchhost", "stream i belongs to host <prefix><i>");

namespace {

namespace v1 = shopcast::video_ingest::v1;
namespace auth = shopcast::auth;

int Fail(const std::string& what) {
  std::fprintf(stderr, "hls_bench_streams: %s\n", what.c_str());
  return 1;
}

int Keygen(const std::string& dir) {
  auto key = auth::GenerateSigningKey("");
  if (!key.ok()) return Fail(key.status().ToString());
  std::ofstream(dir + "/signing.key") << key->private_pem;
  std::ofstream(dir + "/signing.pub.pem") << key->public_pem;
  return 0;
}

int Create(const std::string& dir, const std::string& target, int count,
           const std::string& host_prefix) {
  // kid = KeyIdFor(public key): the name the server gives the key it loads from the file.
  auto key = auth::LoadSigningKeyFile(dir + "/signing.key");
  if (!key.ok()) return Fail(key.status().ToString());
  auth::TokenIssuer issuer(*key, "shopcast-user", "shopcast", absl::Hours(1));
  auto stub = v1::VideoIngestService::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  for (int i = 0; i < count; ++i) {
    auto token = issuer.Issue(absl::StrCat(host_prefix, i), auth::Role::kHost, absl::Now());
    if (!token.ok()) return Fail(token.status().ToString());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    ctx.AddMetadata("authorization", "Bearer " + token->token);
    v1::CreateStreamRequest req;
    req.set_title(absl::StrCat("hls latency bench ", i));
    req.set_idempotency_key(absl::StrCat("hls-bench-", run, "-", i));
    v1::CreateStreamResponse res;
    const grpc::Status st = stub->CreateStream(&ctx, req, &res);
    if (!st.ok()) return Fail(absl::StrCat("CreateStream ", i, ": ", st.error_message()));
    std::printf("%s %s\n", res.stream().id().c_str(), res.endpoints().stream_key().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (args.size() != 2 || dir.empty())
    return Fail("usage: --dir=D keygen | --dir=D --target=H:P --count=N create");
  const std::string command = args[1];
  if (command == "keygen") return Keygen(dir);
  if (command == "create") {
    if (absl::GetFlag(FLAGS_target).empty()) return Fail("create needs --target");
    return Create(dir, absl::GetFlag(FLAGS_target), absl::GetFlag(FLAGS_count),
                  absl::GetFlag(FLAGS_host_prefix));
  }
  return Fail("unknown command " + command);
}
