// The hls.js configuration of the live player (Player.tsx). Plain JavaScript, not TypeScript, so
// that the glass-to-glass benchmark (tools/bench/hls_latency/node/glass.mjs) imports this very
// object under Node and plays our streams the way a viewer's browser does: what it measures is
// what viewers get. Types: liveHlsConfig.d.ts.
//
// How hls.js 1.x (src/controller/latency-controller.ts) keeps its distance from the live edge
// in lowLatencyMode, and why each setting below is what it is:
// - Its target latency is the playlist's PART-HOLD-BACK (video-ingest writes 4.5 part targets,
//   1.503 s). Setting liveSyncDuration (seconds) or liveSyncDurationCount (TARGETDURATIONs:
//   3 × 2 s = 6 s, even at its default of 3) replaces it, for regular HLS streams too (a fixed
//   1.5 s behind a playlist of 2 s segments stalls), so neither is set: an LL-HLS stream is
//   played PART-HOLD-BACK behind live, a regular one three target durations behind.
// - It starts loading at live edge − target (from the part that can be decoded on its own at or
//   before it: with a 2 s GOP, the segment's first) and starts playing only once that is
//   loaded and appended, so it begins further behind than its target (0.5–1.1 s measured). At
//   playback rate 1 it stays there: glass to glass was whatever the start-up left, 1.48–2.11 s
//   across runs (tools/bench/RESULTS.md, hls_latency runs 6, 10 and 11). maxLiveSyncPlaybackRate
//   above 1 lets it play faster while it is more than 0.05 s behind the target, but only while
//   more than 1 s is buffered ahead. Behind the 1.0 s PART-HOLD-BACK video-ingest wrote before
//   that was rarely so: with 1.2 it settled ~0.3 s behind the target, switching rate several
//   times a second, and stalled for seconds in 3 of 5 runs (run 6). Behind 1.5 s a second or
//   more stays buffered: with 1.1 players converged to ~1.56 s (1.60–1.61 s glass to glass), a
//   few rate changes a second at most 1.05, no stall (runs 11 and 13).
// - Every stall adds liveSyncOnStallIncrease (default 1 s) to the target, at most one
//   TARGETDURATION: kept, a viewer who stalled once is better off a second further back than
//   stalling again.
// - liveMaxLatencyDuration(Count) (jump back to live when that far behind) is only allowed with
//   liveSyncDuration(Count), which would drop PART-HOLD-BACK: unset, so a viewer who paused
//   stays where they paused.
export const liveHlsConfig = Object.freeze({
  lowLatencyMode: true,
  // PART-HOLD-BACK behind live, caught up to gently from wherever start-up left the player.
  maxLiveSyncPlaybackRate: 1.1,
  // A blob: worker would need a Content-Security-Policy exception.
  enableWorker: false,
  backBufferLength: 30,
  manifestLoadingMaxRetry: 4,
  levelLoadingMaxRetry: 6,
});
