// The gateway side's event source for the WebSocket fan-out benchmark (ws_fanout/README.md):
// opens a realtime-push room through its EventSink (as video-ingest's stream_created would) and
// publishes durable product_updated events through realtime-push's internal Publish (mutual TLS,
// video-ingest's credential), reusing the gRPC fan-out bench's Target and Publisher. Each event
// carries its send time (steady clock, ns — CLOCK_MONOTONIC, the clock Node's
// process.hrtime.bigint() reads) as the product card's title, which the gateway passes through
// to every socket in its JSON frame.
//
// Driven line by line on stdin by the load client (node/client.js):
//   open <str_id>              -> "opened <str_id>"
//   publish <rate> <seconds>   -> "published <acknowledged> <failed> <achieved events/s> <head>"
// Exits when stdin closes.

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "../fanout/publisher.h"
#include "../fanout/target.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "shopcast/auth/service_identity.h"

ABSL_FLAG(std::string, pki_dir, "", "dev-pki folder with the video-ingest credential");
ABSL_FLAG(std::string, internal, "", "host:port of realtime-push's internal listener");

namespace fan = shopcast::bench::fanout;

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string pki = absl::GetFlag(FLAGS_pki_dir);
  auto tls = shopcast::auth::LoadServiceTls(
      {pki + "/ca.pem", pki + "/video-ingest.pem", pki + "/video-ingest.key"});
  if (!tls.ok()) {
    std::fprintf(stderr, "credential: %s\n", std::string(tls.status().message()).c_str());
    return 2;
  }
  fan::TargetOptions options;
  options.name = "realtime-push";
  options.public_target = absl::GetFlag(FLAGS_internal);  // unused: no subscriber here
  options.internal_target = absl::GetFlag(FLAGS_internal);
  options.opens_rooms = true;
  options.channels = 1;
  fan::Target target(options, *tls);
  std::vector<std::string> rooms;
  std::unique_ptr<fan::Publisher> pub;

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "open") {
      std::string room;
      in >> room;
      if (absl::Status s = target.OpenRooms({room}); !s.ok()) {
        std::fprintf(stderr, "open: %s\n", std::string(s.message()).c_str());
        return 1;
      }
      rooms = {room};
      pub = std::make_unique<fan::Publisher>(target, rooms);
      std::printf("opened %s\n", room.c_str());
    } else if (cmd == "publish" && pub != nullptr) {
      double rate = 0, seconds = 0;
      in >> rate >> seconds;
      const fan::PublishResult r = pub->Run(rate, absl::Seconds(seconds));
      std::printf("published %lld %lld %.2f %lld\n", static_cast<long long>(r.published),
                  static_cast<long long>(r.failed), r.achieved_rate,
                  static_cast<long long>(pub->Heads()[0]));
    } else {
      std::fprintf(stderr, "unknown command: %s\n", line.c_str());
      return 2;
    }
    std::fflush(stdout);
  }
  return 0;
}
