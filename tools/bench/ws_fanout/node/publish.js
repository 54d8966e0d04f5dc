'use strict';
// The Node baseline's event source, with the same stdin protocol as ../publish.cc so the load
// client drives both servers alike:
//   open <room>                -> "opened <room>"
//   publish <rate> <seconds>   -> "published <sent> 0 <achieved events/s> <last sequence>"
// Events go over one WebSocket to the server's /control path, paced on a 1 ms timer (every
// event due by then is sent), each stamped with process.hrtime.bigint() (CLOCK_MONOTONIC, ns),
// the clock publish.cc stamps too.
//   node publish.js --url=ws://127.0.0.1:<port>/control
const readline = require('readline');
const WebSocket = require('ws');

const url = process.argv.find((x) => x.startsWith('--url=')).slice(6);
const control = new WebSocket(url, { perMessageDeflate: false });
let total = 0;
const opened = new Promise((resolve, reject) => {
  control.on('open', resolve);
  control.on('error', reject);
});

function publish(rate, seconds) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(seconds * 1e9));
    let sent = 0;
    const tick = () => {
      const now = process.hrtime.bigint();
      const due = Math.min(Math.floor((Number(now - start) / 1e9) * rate) + 1,
                           Math.ceil(rate * seconds));
      while (sent < due) {
        control.send(JSON.stringify({ title: String(process.hrtime.bigint()) }));
        sent += 1;
      }
      if (now >= end || sent >= Math.ceil(rate * seconds)) {
        const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
        total += sent;
        resolve({ sent, achieved: sent / Math.max(elapsed, seconds) });
        return;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
}

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    const [cmd, a, b] = line.trim().split(/\s+/);
    await opened;
    if (cmd === 'open') {
      process.stdout.write(`opened ${a}\n`);
    } else if (cmd === 'publish') {
      const r = await publish(Number(a), Number(b));
      process.stdout.write(`published ${r.sent} 0 ${r.achieved.toFixed(2)} ${total}\n`);
    } else {
      process.stderr.write(`unknown command: ${line}\n`);
      process.exit(2);
    }
  });
});
rl.on('close', () => queue.then(() => process.exit(0)));
