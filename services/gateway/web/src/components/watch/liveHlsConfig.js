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
//   loaded and appended, so it begins 0.5–1 s further behind than its target; at playback rate 1
//   it would stay there for the whole show. With maxLiveSyncPlaybackRate above 1 it plays
//   faster while it is more than 0.05 s behind the target (a rate that grows with the distance,
//   in steps of 0.05, capped here) as long as more than 1 s is buffered ahead and it is less than
//   target + TARGETDURATION behind (further back it takes the viewer for one who rewound), and
//   returns to 1 at the target. At most 1.2: a second made up in under 10 s, and browsers keep the audio's
//   pitch at that rate.
// - Every stall adds liveSyncOnStallIncrease (default 1 s) to the target, at most one
//   TARGETDURATION: kept, a viewer who stalled once is better off a second further back than
//   stalling again.
// - liveMaxLatencyDuration(Count) (jump back to live when that far behind) is only allowed with
//   liveSyncDuration(Count), which would drop PART-HOLD-BACK: unset, so a viewer who paused
//   stays where they paused.
export const liveHlsConfig = Object.freeze({
  lowLatencyMode: true,
  maxLiveSyncPlaybackRate: 1.2,
  // A blob: worker would need a Content-Security-Policy exception.
  enableWorker: false,
  backBufferLength: 30,
  manifestLoadingMaxRetry: 4,
  levelLoadingMaxRetry: 6,
});
