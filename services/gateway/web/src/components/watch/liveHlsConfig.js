// The hls.js configuration of the live player (Player.tsx). Plain JavaScript, not TypeScript, so
// that the glass-to-glass benchmark (tools/bench/hls_latency/node/glass.mjs) imports this very
// object under Node and plays our streams the way a viewer's browser does: what it measures is
// what viewers get. Types: liveHlsConfig.d.ts.
//
// How hls.js 1.x (src/controller/latency-controller.ts) keeps its distance from the live edge
// in lowLatencyMode, and why each setting below is what it is:
// - Its target latency is the playlist's PART-HOLD-BACK (video-ingest writes 3 part targets,
//   1.002 s). Setting liveSyncDuration or liveSyncDurationCount in the config — even to the
//   default 3 — replaces it with that many TARGETDURATIONs (3 × 2 s = 6 s), so neither is set.
// - It starts loading at live edge − target (from the part that can be decoded on its own at or
//   before it: with a 2 s GOP, the segment's first) and starts playing only once that is
//   loaded and appended, so it begins further behind than its target (0.7–1.1 s measured) and,
//   at playback rate 1, stays there. maxLiveSyncPlaybackRate above 1 lets it play faster while
//   it is more than 0.05 s behind the target, but only while more than 1 s is buffered ahead:
//   one part (0.33 s) behind a 1.0 s hold-back that is rarely so, so it settles ~0.3 s behind
//   the target, switching between 1 and 1.1 several times a second with about 1 s of media
//   buffered. Measured (tools/bench/RESULTS.md, hls_latency run 6): with 1.2, 1.34–1.36 s glass
//   to glass but a multi-second stall in 3 of 5 runs, after which the viewer stayed 6 s behind
//   (too far for hls.js to catch up); with 1 (here), 1.48–1.81 s and no stall. Catching up needs a
//   hold-back that leaves more than a second of buffer (a server-side PART-HOLD-BACK of 4–5
//   parts), not yet measured.
// - Every stall adds liveSyncOnStallIncrease (default 1 s) to the target, at most one
//   TARGETDURATION: kept, a viewer who stalled once is better off a second further back than
//   stalling again.
// - liveMaxLatencyDuration(Count) (jump back to live when that far behind) is only allowed with
//   liveSyncDuration(Count), which would drop PART-HOLD-BACK: unset, so a viewer who paused
//   stays where they paused.
export const liveHlsConfig = Object.freeze({
  lowLatencyMode: true,
  // No catch-up (hls.js's default), see above.
  maxLiveSyncPlaybackRate: 1,
  // A blob: worker would need a Content-Security-Policy exception.
  enableWorker: false,
  backBufferLength: 30,
  manifestLoadingMaxRetry: 4,
  levelLoadingMaxRetry: 6,
});
