#pragma once

// CPU time of the processes in a run, from /proc (Linux): throughput on a machine shared with
// other work says little, CPU time per answered call says where a change helped.

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace shopcast::bench {

// CPU time (user + system, all threads) used by `pid` so far, in microseconds; with
// `with_children` also that of its children that have exited and been waited for. 0 if the
// process is gone.
int64_t ProcessCpuMicros(pid_t pid, bool with_children = false);

// The PostgreSQL cluster of `admin_dsn`: its postmaster, every live child (backends, WAL
// writer, checkpointer, …) and the children that have exited, in microseconds.
class ClusterCpu {
 public:
  explicit ClusterCpu(const std::string& admin_dsn);
  int64_t Micros() const;

 private:
  pid_t postmaster_ = -1;
};

}  // namespace shopcast::bench
