import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientFrame, RoomEvent, ServerFrame } from '../api/types';
import type { SocketLike } from './socket';
import { WsClient } from './wsClient';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: ClientFrame[] = [];
  closed = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  // server side
  open(welcome: ServerFrame['welcome'] = { heartbeatInterval: '15s' }) {
    this.readyState = 1;
    this.onopen?.({});
    this.push({ welcome });
  }
  push(f: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  ackAll(kind: keyof ClientFrame) {
    for (const f of this.sent) if (f[kind] && f.frameId) this.push({ ack: { frameId: f.frameId, done: true } });
  }
  frames(kind: keyof ClientFrame) {
    return this.sent.filter((f) => f[kind] !== undefined);
  }
}

function event(streamId: string, sequence: number, text: string): ServerFrame {
  const ev: RoomEvent = {
    streamId,
    sequence: String(sequence),
    chatMessage: { id: `msg_${sequence}`, text },
  };
  return { roomEvent: ev };
}

describe('WsClient', () => {
  let sockets: FakeSocket[];
  let token: string | null;
  const make = (extra: Partial<ConstructorParameters<typeof WsClient>[0]> = {}) =>
    new WsClient({
      url: 'ws://gw/ws/v1',
      socketFactory: (url, protocols) => {
        const s = new FakeSocket(url, protocols);
        sockets.push(s);
        return s;
      },
      getToken: () => token,
      random: () => 0.5,
      ...extra,
    });

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    token = null;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for the JSON subprotocol and subscribes a room from a snapshot', () => {
    const c = make();
    c.start();
    c.subscribeRoom('str_1', { onEvent: () => {} });
    const s = sockets[0];
    expect(s.protocols).toEqual(['shopcast.v1.json']);
    s.open();
    const sub = s.frames('subscribeRoom');
    expect(sub).toHaveLength(1);
    expect(sub[0].subscribeRoom).toEqual({ streamId: 'str_1', afterSequence: '0', skipPresence: false });
  });

  it('resumes every room from the last durable sequence after a reconnect, and drops replayed events', () => {
    const c = make();
    c.start();
    const seen: string[] = [];
    c.subscribeRoom('str_1', { onEvent: (e) => e.chatMessage && seen.push(e.chatMessage.text ?? '') });
    const s1 = sockets[0];
    s1.open();
    s1.push({ roomStarted: { streamId: 'str_1', started: { resumed: false, snapshot: { sequence: '10' } } } });
    s1.push(event('str_1', 11, 'a'));
    s1.push(event('str_1', 12, 'b'));
    // an ephemeral count does not move the resume point
    s1.push({ roomEvent: { streamId: 'str_1', sequence: '12', ephemeral: true, viewerCount: { viewerCount: '3' } } });
    expect(c.lastSequence('str_1')).toBe(12);

    s1.drop();
    expect(c.status).toBe('reconnecting');
    vi.advanceTimersByTime(10_000);
    const s2 = sockets.at(-1)!;
    expect(s2).toBeDefined();
    s2.open();
    const sub = s2.frames('subscribeRoom');
    expect(sub[0].subscribeRoom?.afterSequence).toBe('12');
    s2.push({ roomStarted: { streamId: 'str_1', started: { resumed: true, headSequence: '13' } } });
    s2.push(event('str_1', 12, 'b-again')); // at-least-once: already applied
    s2.push(event('str_1', 13, 'c'));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('backs off exponentially with jitter, capped, and resets after a welcome', () => {
    const c = make({ backoffInitialMs: 500, backoffMaxMs: 4_000, random: () => 1 });
    expect([0, 1, 2, 3, 4, 5].map((a) => c.backoffDelay(a))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    const c0 = make({ backoffInitialMs: 500, backoffMaxMs: 4_000, random: () => 0 });
    expect(c0.backoffDelay(2)).toBe(1000); // half fixed, half random

    c.start();
    sockets[0].drop(); // attempt 0 failed -> wait 500
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1].drop(); // -> wait 1000
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    sockets[2].open(); // success resets the backoff
    sockets[2].drop();
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(4);
  });

  it('heartbeats at the welcome interval and reconnects when the server goes silent', () => {
    const samples: number[] = [];
    const c = make({ onClockSample: (_t, sent, recv) => samples.push(recv - sent) });
    c.start();
    const s = sockets[0];
    s.open({ heartbeatInterval: '2s' });
    vi.advanceTimersByTime(2_000);
    const hb = s.frames('heartbeat');
    expect(hb).toHaveLength(1);
    expect(hb[0].frameId).toBeUndefined();
    expect(hb[0].heartbeat?.clientTime).toMatch(/T/);
    vi.advanceTimersByTime(100);
    s.push({ heartbeatAck: { serverTime: new Date().toISOString() } });
    expect(samples).toEqual([100]);
    // now silence: no frames at all for 2 x interval + 5 s -> the socket is dropped and redialled
    vi.advanceTimersByTime(2 * 2_000 + 5_000);
    expect(s.closed).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(sockets).toHaveLength(2);
  });

  it('authenticates first when signed in, then subscribes notifications after the ack', async () => {
    token = 'tok';
    const c = make();
    c.start();
    const unread: number[] = [];
    c.subscribeNotifications({ onUnread: (n) => unread.push(n) });
    const s = sockets[0];
    s.open();
    const auth = s.frames('authenticate');
    expect(auth[0].authenticate?.accessToken).toBe('tok');
    expect(s.frames('subscribeNotifications')).toHaveLength(0);
    s.push({ ack: { frameId: auth[0].frameId, authenticated: { userId: 'usr_1' } } });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(s.frames('subscribeNotifications')).toHaveLength(1);
    s.push({ unreadNotifications: '4' });
    expect(unread).toEqual([4]);
  });

  it('subscribes notifications again after the server ends the feed on its own', async () => {
    token = 'tok';
    const c = make();
    c.start();
    c.subscribeNotifications({});
    const s = sockets[0];
    s.open();
    const auth = s.frames('authenticate');
    s.push({ ack: { frameId: auth[0].frameId, authenticated: { userId: 'usr_1' } } });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(s.frames('subscribeNotifications')).toHaveLength(1);
    s.push({
      error: { code: 'UNAVAILABLE', errorInfo: { reason: 'UPSTREAM_UNAVAILABLE', metadata: { subscription: 'notifications' } } },
    });
    expect(s.frames('subscribeNotifications')).toHaveLength(1); // not at once: after a jittered second
    vi.advanceTimersByTime(2_100);
    expect(s.frames('subscribeNotifications')).toHaveLength(2);
  });

  it('subscribes notifications once a sign-in after connecting is acknowledged', async () => {
    const c = make();
    c.start();
    const s = sockets[0];
    s.open(); // anonymous
    c.subscribeNotifications({});
    expect(s.frames('subscribeNotifications')).toHaveLength(0); // not signed in: nothing to follow
    token = 'tok2';
    c.tokenChanged();
    const auth = s.frames('authenticate');
    expect(auth[0].authenticate?.accessToken).toBe('tok2');
    s.push({ ack: { frameId: auth[0].frameId, authenticated: { userId: 'usr_2' } } });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(s.frames('subscribeNotifications')).toHaveLength(1);
    // a token refresh re-authenticates without subscribing twice
    token = 'tok3';
    c.tokenChanged();
    const auth2 = s.frames('authenticate')[1];
    s.push({ ack: { frameId: auth2.frameId, authenticated: { userId: 'usr_2' } } });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(s.frames('subscribeNotifications')).toHaveLength(1);
  });

  it('matches acks and errors to requests and fails pending requests on disconnect', async () => {
    const c = make();
    c.start();
    const s = sockets[0];
    s.open();
    const p1 = c.sendChat('str_1', 'hi', 'cm1');
    const p2 = c.sendChat('str_1', 'again', 'cm2');
    const [f1, f2] = s.frames('sendChat');
    s.push({
      error: { frameId: f2.frameId, code: 'RESOURCE_EXHAUSTED', errorInfo: { reason: 'CHAT_RATE_LIMITED', metadata: { retry_after_ms: '900' } } },
    });
    s.push({ ack: { frameId: f1.frameId, chatSent: { sequence: '5', message: { id: 'msg_5', text: 'hi' } } } });
    await expect(p1).resolves.toMatchObject({ sequence: '5' });
    await expect(p2).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED', reason: 'CHAT_RATE_LIMITED', retryAfterMs: 900 });
    const p3 = c.like('str_1', 'REACTION_LIKE');
    s.drop();
    await expect(p3).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('resubscribes a room cut for being too slow and retries one whose upstream is down', () => {
    const c = make({ random: () => 0 });
    c.start();
    c.subscribeRoom('str_1', { onEvent: () => {} });
    const s = sockets[0];
    s.open();
    s.push({ roomStarted: { streamId: 'str_1', started: { snapshot: { sequence: '7' } } } });
    s.push({ roomEnded: { streamId: 'str_1', reason: 'ROOM_END_REASON_TOO_SLOW', lastSequence: '7' } });
    expect(s.frames('subscribeRoom').map((f) => f.subscribeRoom?.afterSequence)).toEqual(['0', '7']);
    s.push({ roomEnded: { streamId: 'str_1', reason: 'ROOM_END_REASON_UPSTREAM_UNAVAILABLE', retryAfter: '2s' } });
    vi.advanceTimersByTime(1_999);
    expect(s.frames('subscribeRoom')).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(s.frames('subscribeRoom')).toHaveLength(3);
  });

  it('asks again, backing off, for a room that is not open yet, and stops once nobody follows it', async () => {
    const c = make({ random: () => 0 });
    c.start();
    const events: RoomEvent[] = [];
    const stop = c.subscribeRoom('str_new', { onEvent: (e) => events.push(e) });
    const s = sockets[0];
    s.open();
    const refuse = async () => {
      const f = s.frames('subscribeRoom').at(-1)!;
      s.push({ error: { frameId: f.frameId, code: 'NOT_FOUND', errorInfo: { reason: 'ROOM_NOT_FOUND', domain: 'gateway' } } });
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    await refuse();
    vi.advanceTimersByTime(499);
    expect(s.frames('subscribeRoom')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(s.frames('subscribeRoom')).toHaveLength(2); // after 0.5 s
    await refuse();
    vi.advanceTimersByTime(999);
    expect(s.frames('subscribeRoom')).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(s.frames('subscribeRoom')).toHaveLength(3); // then 1 s
    // the room opens: its events flow
    const f = s.frames('subscribeRoom').at(-1)!;
    s.push({ ack: { frameId: f.frameId, done: true } });
    s.push({ roomStarted: { streamId: 'str_new', started: { snapshot: { sequence: '0' } } } });
    s.push(event('str_new', 1, 'hello'));
    expect(events.map((e) => e.chatMessage?.text)).toContain('hello');

    // a refusal that is not about timing is not repeated
    const c2 = make();
    c2.start();
    c2.subscribeRoom('str_bad', { onEvent: () => {} });
    const s2 = sockets.at(-1)!;
    s2.open();
    const bad = s2.frames('subscribeRoom')[0];
    s2.push({ error: { frameId: bad.frameId, code: 'INVALID_ARGUMENT', errorInfo: { reason: 'STREAM_ID_INVALID' } } });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    vi.advanceTimersByTime(60_000);
    expect(s2.frames('subscribeRoom')).toHaveLength(1);

    // nor is one for a room nobody follows any more
    stop();
    const c3 = make();
    c3.start();
    const stop3 = c3.subscribeRoom('str_gone', { onEvent: () => {} });
    const s3 = sockets.at(-1)!;
    s3.open();
    const gone = s3.frames('subscribeRoom')[0];
    stop3();
    s3.push({ error: { frameId: gone.frameId, code: 'NOT_FOUND', errorInfo: { reason: 'ROOM_NOT_FOUND' } } });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    vi.advanceTimersByTime(60_000);
    expect(s3.frames('subscribeRoom')).toHaveLength(1);
  });

  it('tells the page when the room closes and stops following it', () => {
    const c = make();
    c.start();
    const ended = vi.fn();
    c.subscribeRoom('str_1', { onEvent: () => {}, onEnded: ended });
    const s = sockets[0];
    s.open();
    s.push({ roomEnded: { streamId: 'str_1', reason: 'ROOM_END_REASON_ROOM_CLOSED' } });
    expect(ended).toHaveBeenCalledOnce();
    s.drop();
    vi.advanceTimersByTime(10_000);
    sockets[1].open();
    expect(sockets[1].frames('subscribeRoom')).toHaveLength(0);
  });

  it('reconnects after going_away within the announced window', () => {
    const c = make({ random: () => 0.5 });
    c.start();
    c.subscribeRoom('str_1', { onEvent: () => {} });
    sockets[0].open();
    sockets[0].push({ goingAway: { reconnectWithin: '4s', closeAfter: '10s' } });
    expect(sockets[0].closed).toBe(true);
    vi.advanceTimersByTime(1_999);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
  });

  it('unsubscribes when the last page handler leaves', () => {
    const c = make();
    c.start();
    sockets[0].open();
    const off1 = c.subscribeRoom('str_1', { onEvent: () => {} });
    const off2 = c.subscribeRoom('str_1', { onEvent: () => {} });
    expect(sockets[0].frames('subscribeRoom')).toHaveLength(1);
    off1();
    expect(sockets[0].frames('unsubscribeRoom')).toHaveLength(0);
    off2();
    expect(sockets[0].frames('unsubscribeRoom')).toHaveLength(1);
  });
});
