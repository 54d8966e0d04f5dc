// Glass to glass: hls.js (npm) in Debian's headless Chromium (Playwright) plays each server's
// stream at the same time, each in a browser context of its own; after --play seconds the
// counter of the frame on screen is read from a canvas every --every ms for --sample seconds.
//
//   node glass.mjs --layout '<blocks.py layout>' --out FILE --play 30 --sample 20 --every 250 \
//        --stream 'ours|<url>|viewer' --stream 'nginx|<url>|viewer'
//
// The third field is the player's hls.js configuration: `viewer` is the web app's live player's
// own (services/gateway/web/src/components/watch/liveHlsConfig.js, imported here, so the bench
// plays the way viewers play); `ll` hls.js's defaults with lowLatencyMode on, empty its defaults
// (the bench before it shared the viewer's settings); or a JSON object (no spaces, no `|`).
// FILE gets {label: {samples:[{t, counter, hlsLatency, playbackRate, mediaTime}], stalls, …}}.
import { liveHlsConfig } from '../../../../services/gateway/web/src/components/watch/liveHlsConfig.js';
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const args = { stream: [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  if (key === 'stream') args.stream.push(process.argv[i + 1]);
  else args[key] = process.argv[i + 1];
}
const layout = JSON.parse(args.layout);
function hlsConfig(name) {
  if (name === 'viewer') return { ...liveHlsConfig };
  if (name === 'll') return { lowLatencyMode: true };
  if (!name) return {};
  if (name.startsWith('{')) return JSON.parse(name);
  throw new Error(`glass.mjs: unknown player configuration ${name}`);
}
const play = Number(args.play ?? 30), sampleSeconds = Number(args.sample ?? 20);
const every = Number(args.every ?? 250);
const hlsJs = readFileSync(require.resolve('hls.js/dist/hls.min.js'));
const page = readFileSync(join(here, 'player.html'));
// The page and hls.js come from a loopback HTTP server of this script (Chromium lets only a
// loopback page fetch from loopback: Local Network Access); the streams are fetched
// cross-origin (both servers answer with Access-Control-Allow-Origin: *).
const server = createServer((req, res) => {
  const js = req.url === '/hls.js';
  res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
  res.end(js ? hlsJs : page);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.SHOPCAST_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--autoplay-policy=no-user-gesture-required'],
});
const out = {};
try {
  const players = await Promise.all(args.stream.map(async (spec) => {
    const [label, url, configName] = spec.split('|');
    const config = hlsConfig(configName);
    console.error(`glass ${label}: hls.js configuration ${JSON.stringify(config)}`);
    const context = await browser.newContext();
    const p = await context.newPage();
    p.on('pageerror', (e) => console.error(`${label}: page error ${e}`));
    p.on('console', (m) => console.error(`${label}: console ${m.type()} ${m.text()}`));
    p.on('requestfailed', (r) => console.error(`${label}: ${r.url()} failed: ${r.failure()?.errorText}`));
    await p.goto(`${origin}/player.html`);
    await p.evaluate(([u, c, l]) => window.bench.start(u, c, l),
                     [url, config, layout]);
    return { label, page: p };
  }));
  // Play, then sample both at the same time.
  const started = Date.now();
  while (Date.now() - started < play * 1000) {
    await new Promise((r) => setTimeout(r, 5000));
    for (const { label, page: p } of players) {
      const s = await p.evaluate(() => window.bench.status());
      console.error(`glass ${label}: t=${((Date.now() - started) / 1000).toFixed(0)}s ` +
                    `playing=${s.playing} currentTime=${s.currentTime.toFixed(1)} ` +
                    `latency=${s.latency.toFixed(2)} target=${s.targetLatency?.toFixed(2)} ` +
                    `rate=${s.playbackRate} ` +
                    `stalls=${s.stalls} errors=${s.errors}${s.fatal ? ' fatal=' + s.fatal : ''}`);
    }
  }
  const results = await Promise.all(players.map(({ page: p }) =>
    p.evaluate(([s, e]) => window.bench.sample(s, e), [sampleSeconds, every])));
  players.forEach(({ label }, i) => { out[label] = results[i]; });
} finally {
  writeFileSync(args.out, JSON.stringify(out));
  await browser.close();
  server.close();
}
