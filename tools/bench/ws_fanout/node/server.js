'use strict';
// The baseline of the WebSocket fan-out benchmark (../README.md): a minimal broadcast server on
// the npm package `ws`, the usual way a Node service fans out. Sockets on /ws/streams/<room> are
// that room's followers; they get a welcome and a roomStarted frame on connect (the same marker
// the gateway sends, so the load client treats both alike) and every event afterwards. A socket
// on /control is the publisher: each text message it sends is an event ({"title": "<send time>"})
// that the server numbers, wraps in a frame shaped like the gateway's roomEvent, serializes ONCE
// (one Buffer) and sends to every follower. No persistence, no auth, no per-socket queue bound
// (ws buffers without limit) — the transport's floor, not a production server.
//
//   node server.js --port=0     prints "listening <port>" on stdout; SIGTERM ends it.
const http = require('http');
const { WebSocketServer } = require('ws');

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};

const followers = new Set();
let sequence = 0;
let connections = 0;

const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 });

server.on('upgrade', (req, socket, head) => {
  const path = (req.url || '').split('?')[0];
  const room = path.startsWith('/ws/streams/') ? path.slice('/ws/streams/'.length) : null;
  if (room === null && path !== '/control') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    connections += 1;
    if (room === null) {
      ws.on('message', (data) => {
        const event = JSON.parse(data.toString());
        sequence += 1;
        const frame = Buffer.from(JSON.stringify({
          roomEvent: {
            streamId: 'room',
            sequence: String(sequence),
            productUpdated: { product: { productId: 'prd_bench', title: event.title, version: String(sequence) } },
          },
        }));
        for (const f of followers) f.send(frame, { binary: false });
      });
      return;
    }
    followers.add(ws);
    ws.on('close', () => followers.delete(ws));
    ws.on('error', () => followers.delete(ws));
    ws.on('message', () => {}); // heartbeats
    ws.send(JSON.stringify({ welcome: { connectionId: String(connections) } }));
    ws.send(JSON.stringify({ roomStarted: { streamId: room, resumed: false } }));
  });
});

server.listen(Number(arg('port', '0')), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
