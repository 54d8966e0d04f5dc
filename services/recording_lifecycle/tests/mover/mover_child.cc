// The crash test's child: runs the mover (2 workers, short leases) against the test's database
// and tiers until it is killed, or with --until-idle until no move is open. Arguments:
//   <dsn> <hot root> <warm root> <cold endpoint> <bucket> <scratch folder> [--until-idle]
// Prints "ready" on stderr once started.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "mover/mover.h"
#include "shopcast/db/pool.h"
#include "tier_world.h"

int main(int argc, char** argv) {
  namespace rl = shopcast::recording_lifecycle;
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s dsn hot warm cold bucket scratch [--until-idle]\n", argv[0]);
    return 2;
  }
  const bool until_idle = argc > 7 && std::strcmp(argv[7], "--until-idle") == 0;
  shopcast::db::PoolOptions po;
  po.dsn = argv[1];
  po.size = 6;
  auto pool = shopcast::db::Pool::Create(po);
  if (!pool.ok()) return 3;
  auto tiers = rl::testing::MakeTestTiers(argv[2], argv[3], argv[4], argv[5]);
  rl::mover::MoverOptions o;
  o.owner = "child";
  o.concurrency = 2;
  o.lease = absl::Milliseconds(600);
  o.poll = absl::Milliseconds(20);
  o.retry_base = absl::Milliseconds(10);
  o.retry_max = absl::Milliseconds(100);
  o.park_retry = absl::Milliseconds(100);
  o.scratch_dir = argv[6];
  rl::mover::Mover mover(**pool, *tiers, o, nullptr);
  mover.Start();
  std::fprintf(stderr, "ready\n");
  std::fflush(stderr);
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!until_idle) continue;
    try {
      pqxx::connection c(argv[1]);
      pqxx::work tx(c);
      if (tx.exec1("SELECT count(*) FROM tier_moves WHERE state IN ('active', 'parked')")[0]
              .as<int64_t>() == 0) {
        break;
      }
    } catch (const std::exception&) {
    }
  }
  mover.Stop();
  return 0;
}
