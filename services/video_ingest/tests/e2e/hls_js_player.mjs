// Plays an HLS stream with a real hls.js in Debian's headless Chromium (Playwright), for the
// LL-HLS end-to-end test (ll_hls_e2e_test.cc), and prints what a viewer would notice as one
// JSON line: whether the picture advanced, fatal errors, how far behind live it played, which
// parts and segments hls.js loaded, and how it reloaded the playlist (blocking reloads and delta
// updates requested, segments skipped by merged delta updates, rendition reports seen).
//
//   node hls_js_player.mjs <web node_modules> <master playlist URL> <low latency: 1|0> <seconds>
//
// The page is served by Playwright itself (a route on the stream's origin), hls.js is the npm
// package the web app uses. Exit code 0 when the video's
// current time advanced by at least half the watched time without a fatal error, 1 otherwise.

import { createRequire } from 'node:module';
import path from 'node:path';

const [modules, url, lowLatencyArg, secondsArg] = process.argv.slice(2);
if (!modules || !url) {
  console.error('usage: node hls_js_player.mjs <node_modules> <url> <1|0> <seconds>');
  process.exit(2);
}
const lowLatency = lowLatencyArg !== '0';
const seconds = Number(secondsArg ?? '12');
const require = createRequire(path.join(modules, 'noop.js'));
const { chromium } = require('playwright-core');
const hlsPath = path.join(modules, 'hls.js', 'dist', 'hls.min.js');

const browser = await chromium.launch({
  executablePath: process.env.SHOPCAST_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
  ],
});
let result = { ok: false };
try {
  const page = await browser.newPage();
  // The page comes from the stream's own origin (Playwright answers for that one address), as
  // a site embedding the player would: Chromium keeps pages of other sites from reading a
  // loopback server (Private Network Access), whatever its CORS headers say.
  const pageUrl = new URL('/player.html', url).href;
  await page.route(pageUrl, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><html><body><video id="v" muted playsinline></video></body></html>',
    }),
  );
  // Which playlist requests carried delivery directives (blocking reloads, delta updates).
  const requests = { blocking: 0, skip: 0 };
  page.on('request', (request) => {
    const u = request.url();
    if (u.includes('_HLS_msn=')) requests.blocking += 1;
    if (u.includes('_HLS_skip=')) requests.skip += 1;
  });
  await page.goto(pageUrl);
  await page.addScriptTag({ path: hlsPath });
  result = await page.evaluate(
    async ({ url, lowLatency, seconds }) => {
      const out = {
        supported: Hls.isSupported(),
        version: Hls.version,
        lowLatency,
        fatal: [],
        errors: [],
        parts: 0,
        fragments: 0,
        playlistParts: 0,
        startTime: null,
        endTime: null,
        latency: [],
        stalls: 0,
        skippedSegments: 0,
        deltaUpdateFailed: false,
        renditionReports: 0,
        audioOnly: null,
      };
      if (!out.supported) return out;
      const video = document.getElementById('v');
      const hls = new Hls({ lowLatencyMode: lowLatency, liveDurationInfinity: true });
      hls.on(Hls.Events.ERROR, (_, data) => {
        const what = `${data.type}/${data.details}`;
        if (data.fatal) out.fatal.push(what);
        else if (out.errors.length < 20) out.errors.push(what);
        if (data.details === 'bufferStalledError') out.stalls += 1;
      });
      hls.on(Hls.Events.FRAG_LOADED, (_, data) => {
        if (data.part) out.parts += 1;
        else out.fragments += 1;
      });
      hls.on(Hls.Events.LEVEL_LOADED, (_, data) => {
        out.playlistParts = Math.max(out.playlistParts, data.details.partList?.length ?? 0);
        out.partTarget = data.details.partTarget;
        out.canBlockReload = data.details.canBlockReload;
        out.canSkipUntil = data.details.canSkipUntil;
        // A delta update hls.js merged (skippedSegments) or could not merge.
        out.skippedSegments = Math.max(out.skippedSegments, data.details.skippedSegments ?? 0);
        if (data.details.deltaUpdateFailed) out.deltaUpdateFailed = true;
        out.renditionReports = Math.max(
          out.renditionReports,
          data.details.renditionReports?.length ?? 0,
        );
      });
      hls.on(Hls.Events.MANIFEST_PARSED, (_, data) => {
        out.audioOnly = data.levels.every((l) => !l.videoCodec && !l.width);
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      const playing = new Promise((resolve) => video.addEventListener('playing', resolve));
      video.play().catch(() => {});
      await Promise.race([playing, new Promise((r) => setTimeout(r, 30000))]);
      out.startTime = video.currentTime;
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until && out.fatal.length === 0) {
        await new Promise((r) => setTimeout(r, 500));
        if (Number.isFinite(hls.latency)) out.latency.push(Number(hls.latency.toFixed(3)));
      }
      out.endTime = video.currentTime;
      out.paused = video.paused;
      hls.destroy();
      return out;
    },
    { url, lowLatency, seconds },
  );
  result.requests = requests;
  result.ok =
    result.supported &&
    result.fatal.length === 0 &&
    result.startTime !== null &&
    result.endTime - result.startTime >= seconds / 2;
} catch (e) {
  result.exception = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
