#pragma once

// What a server process has used, read from /proc (Linux): the measure of each server is
// taken apart from the load client's, which shares the machine with it.

#include <sys/types.h>

#include <cstdint>

namespace shopcast::bench::fanout {

// User + system CPU seconds the process has used so far (/proc/<pid>/stat); -1 if unreadable.
double CpuSeconds(pid_t pid);

// The same summed over the direct children of `parent` (PostgreSQL's backends under its
// postmaster, which share the machine's cores with the servers).
double ChildrenCpuSeconds(pid_t parent);

// Resident memory now (VmRSS of /proc/<pid>/status), bytes; -1 if unreadable.
int64_t RssBytes(pid_t pid);

}  // namespace shopcast::bench::fanout
