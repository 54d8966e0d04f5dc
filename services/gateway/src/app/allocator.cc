// jemalloc's configuration for the gateway binary, read when jemalloc starts (MALLOC_CONF in the
// environment still overrides it, e.g. for a profiling run).
//
// The gateway's memory is dominated by many small, long-lived objects (one WebSocket each) made
// in bursts between transient ones (HTTP parsing, upstream calls, first frames). With glibc's
// malloc the freed transients stay resident around the survivors; jemalloc keeps sizes in
// separate slabs and returns emptied pages. One arena and no per-thread caches keep the
// survivors packed (the I/O threads allocate little per delivery: frames are shared), and pages
// emptied for a second are returned at once.

extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks for.
const char* malloc_conf = "narenas:1,tcache:false,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
