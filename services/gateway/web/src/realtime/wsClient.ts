// One WebSocket to the gateway (`/ws/v1`, subprotocol shopcast.v1.json) shared by the whole app:
// authenticate, follow rooms and resume each from the last durable sequence applied, heartbeat
// (and notice a dead connection when nothing comes back), reconnect with jittered exponential
// backoff, obey going_away and room_ended, and match acks and errors to requests by frame id.
import { ApiError, parseRetryAfter } from '../api/errors';
import type {
  Ack,
  ClientFrame,
  ErrorFrame,
  Notification,
  Reaction,
  RoomEnded,
  RoomEvent,
  SendChatResponse,
  ServerFrame,
  SetReactionResponse,
  SubscribeStarted,
} from '../api/types';
import { parseDuration } from '../time/serverClock';
import { OPEN, SUBPROTOCOL, type SocketFactory, type SocketLike } from './socket';

export interface RoomHandlers {
  /** A (re)start: a snapshot (resumed = false) or a resume point (resumed = true). */
  onStarted?(started: SubscribeStarted): void;
  onEvent(event: RoomEvent): void;
  /** The room closed (stream over), or the server stopped it for good. */
  onEnded?(ended: RoomEnded): void;
}

export interface NotificationHandlers {
  onUnread?(count: number): void;
  onNotification?(n: Notification): void;
}

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface WsClientOptions {
  url: string;
  socketFactory: SocketFactory;
  /** The current access token, or null for an anonymous connection. */
  getToken?: () => string | null;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Answer deadline for a request frame. */
  requestTimeoutMs?: number;
  random?: () => number;
  now?: () => number;
  /** Every heartbeat_ack, for clock-skew estimates. */
  onClockSample?(serverTime: string | undefined, sentAtMs: number, receivedAtMs: number): void;
  /** A connection-level error (e.g. TOKEN_EXPIRED downgraded the connection). */
  onConnectionError?(e: ErrorFrame): void;
}

interface Room {
  handlers: Set<RoomHandlers>;
  /** Last durable sequence applied; 0 = none (start from a snapshot). */
  lastSequence: number;
  skipPresence: boolean;
  retryTimer: ReturnType<typeof setTimeout> | null;
  /** Subscribe requests refused in a row (for the backoff of the next). */
  refusals: number;
}

// A refused subscription that is asked again: the room is not open yet (a room opens when its
// stream's creation reaches realtime-push, a moment after CreateStream answers; a host console
// opened at once asks before that), or the service is busy or restarting.
function refusalIsTransient(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  if (e.reason === 'ROOM_NOT_FOUND') return true;
  return ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED'].includes(e.code);
}
const SUBSCRIBE_RETRY_FIRST_MS = 500;
const SUBSCRIBE_RETRY_MAX_MS = 15_000;

interface Pending {
  resolve(a: Ack): void;
  reject(e: ApiError): void;
  timer: ReturnType<typeof setTimeout>;
}

const DEFAULT_HEARTBEAT_MS = 15_000;

export class WsClient {
  private socket: SocketLike | null = null;
  private rooms = new Map<string, Room>();
  private pending = new Map<string, Pending>();
  private notificationHandlers = new Set<NotificationHandlers>();
  private statusListeners = new Set<(s: ConnectionStatus) => void>();
  private nextFrame = 1;
  private attempt = 0;
  private welcomed = false;
  private stopped = true;
  private authedToken: string | null = null;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private deadTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private notificationsRetryTimer: ReturnType<typeof setTimeout> | null = null;
  private lastHeartbeatSentAt = 0;
  private statusValue: ConnectionStatus = 'idle';

  constructor(private readonly opts: WsClientOptions) {}

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  onStatus(l: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }

  /** Last durable sequence applied for a room (0 when none). */
  lastSequence(streamId: string): number {
    return this.rooms.get(streamId)?.lastSequence ?? 0;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.close(1000, 'client stopped');
    }
    this.failPending('UNAVAILABLE', 'Connection closed.');
    this.setStatus('closed');
  }

  /** Follows a room; returns the function that stops following it. */
  subscribeRoom(streamId: string, handlers: RoomHandlers, opts: { skipPresence?: boolean } = {}): () => void {
    let room = this.rooms.get(streamId);
    if (!room) {
      room = { handlers: new Set(), lastSequence: 0, skipPresence: !!opts.skipPresence, retryTimer: null, refusals: 0 };
      this.rooms.set(streamId, room);
      room.handlers.add(handlers);
      this.sendSubscribe(streamId);
    } else {
      room.handlers.add(handlers);
    }
    return () => {
      const r = this.rooms.get(streamId);
      if (!r) return;
      r.handlers.delete(handlers);
      if (r.handlers.size === 0) {
        if (r.retryTimer) clearTimeout(r.retryTimer);
        this.rooms.delete(streamId);
        if (this.isOpen()) this.sendFrame({ frameId: this.frameId(), unsubscribeRoom: { streamId } });
      }
    };
  }

  /** Starts (or resumes after a reconnect) the signed-in user's notifications. */
  subscribeNotifications(h: NotificationHandlers): () => void {
    this.notificationHandlers.add(h);
    if (this.notificationHandlers.size === 1 && this.isOpen() && this.authedToken) {
      void this.request({ subscribeNotifications: { enabled: true } }).catch(() => {});
    }
    return () => {
      this.notificationHandlers.delete(h);
      if (this.notificationHandlers.size === 0 && this.isOpen() && this.authedToken) {
        void this.request({ subscribeNotifications: { enabled: false } }).catch(() => {});
      }
    };
  }

  async sendChat(streamId: string, text: string, clientMessageId: string): Promise<SendChatResponse> {
    const ack = await this.request({ sendChat: { streamId, text, clientMessageId } });
    return ack.chatSent ?? {};
  }

  async like(streamId: string, reaction: Reaction): Promise<SetReactionResponse> {
    const ack = await this.request({ like: { streamId, reaction } });
    return ack.likeAccepted ?? {};
  }

  /** The token changed (sign in, refresh, sign out): re-authenticate, or reconnect anonymous. */
  tokenChanged(): void {
    const token = this.opts.getToken?.() ?? null;
    if (token === this.authedToken) return;
    if (!this.isOpen()) return; // the welcome will authenticate
    if (token) {
      void this.authenticate(token);
    } else {
      this.authedToken = null;
      this.socket?.close(1000, 'signed out'); // reconnects anonymous
    }
  }

  /** Sends a request frame and resolves with its ack (rejects with the error frame). */
  request(body: Omit<ClientFrame, 'frameId'>): Promise<Ack> {
    if (!this.isOpen()) {
      return Promise.reject(new ApiError({ status: 0, code: 'UNAVAILABLE', message: 'Not connected; reconnecting…' }));
    }
    const frameId = this.frameId();
    return new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(frameId);
        reject(new ApiError({ status: 0, code: 'DEADLINE_EXCEEDED', message: 'No answer from the server.' }));
      }, this.opts.requestTimeoutMs ?? 10_000);
      this.pending.set(frameId, { resolve, reject, timer });
      this.sendFrame({ frameId, ...body });
    });
  }

  // ---------------------------------------------------------------------------------------------

  private connect() {
    this.welcomed = false;
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: SocketLike;
    try {
      socket = this.opts.socketFactory(this.opts.url, [SUBPROTOCOL]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ServerFrame;
      } catch {
        return; // not ours to understand; the server never sends it
      }
      this.onFrame(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.onClosed();
    };
    socket.onerror = () => {
      /* onclose follows */
    };
    this.armDeadTimer(this.heartbeatMs * 2 + 5_000);
  }

  private onClosed() {
    this.socket = null;
    this.welcomed = false;
    this.authedToken = null;
    this.clearTimers();
    this.failPending('UNAVAILABLE', 'Connection lost; reconnecting…');
    if (this.stopped) {
      this.setStatus('closed');
      return;
    }
    this.scheduleReconnect();
  }

  /** Backoff: initial × 2^attempt, capped, with "equal jitter" (half fixed, half random). */
  backoffDelay(attempt: number): number {
    const initial = this.opts.backoffInitialMs ?? 500;
    const max = this.opts.backoffMaxMs ?? 15_000;
    const base = Math.min(max, initial * 2 ** attempt);
    const rnd = (this.opts.random ?? Math.random)();
    return Math.round(base / 2 + (base / 2) * rnd);
  }

  private scheduleReconnect(delayMs?: number) {
    if (this.stopped || this.reconnectTimer) return;
    const delay = delayMs ?? this.backoffDelay(this.attempt);
    this.attempt += 1;
    this.setStatus('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private onFrame(f: ServerFrame) {
    this.armDeadTimer(this.heartbeatMs * 2 + 5_000);
    if (f.welcome) return this.onWelcome(f);
    if (f.ack) {
      const p = this.pending.get(f.ack.frameId ?? '');
      if (p) {
        this.pending.delete(f.ack.frameId ?? '');
        clearTimeout(p.timer);
        p.resolve(f.ack);
      }
      return;
    }
    if (f.error) return this.onError(f.error);
    if (f.roomStarted) {
      const room = this.rooms.get(f.roomStarted.streamId ?? '');
      const started = f.roomStarted.started ?? {};
      if (!room) return;
      if (!started.resumed && started.snapshot) room.lastSequence = Number(started.snapshot.sequence ?? 0);
      room.handlers.forEach((h) => h.onStarted?.(started));
      return;
    }
    if (f.roomEvent) {
      const ev = f.roomEvent;
      const room = this.rooms.get(ev.streamId ?? '');
      if (!room) return;
      if (!ev.ephemeral) {
        const seq = Number(ev.sequence ?? 0);
        if (seq <= room.lastSequence) return; // already applied (at-least-once after a resume)
        room.lastSequence = seq;
      }
      room.handlers.forEach((h) => h.onEvent(ev));
      return;
    }
    if (f.roomEnded) return this.onRoomEnded(f.roomEnded);
    if (f.unreadNotifications !== undefined) {
      const n = Number(f.unreadNotifications);
      this.notificationHandlers.forEach((h) => h.onUnread?.(n));
      return;
    }
    if (f.notification) {
      const n = f.notification;
      this.notificationHandlers.forEach((h) => h.onNotification?.(n));
      return;
    }
    if (f.heartbeatAck) {
      this.opts.onClockSample?.(f.heartbeatAck.serverTime, this.lastHeartbeatSentAt, this.now());
      return;
    }
    if (f.goingAway) {
      // Reconnect (to any instance) after a random delay within reconnect_within; resume rooms.
      const within = parseDuration(f.goingAway.reconnectWithin) ?? 5_000;
      const delay = Math.round((this.opts.random ?? Math.random)() * within);
      const s = this.socket;
      this.socket = null;
      this.clearTimers();
      this.failPending('UNAVAILABLE', 'Server restarting; reconnecting…');
      if (s) {
        s.onclose = null;
        s.onmessage = null;
        s.close(1000, 'going away');
      }
      this.attempt = 0;
      this.scheduleReconnect(delay);
    }
  }

  private onWelcome(f: ServerFrame) {
    const w = f.welcome ?? {};
    this.welcomed = true;
    this.attempt = 0;
    this.heartbeatMs = parseDuration(w.heartbeatInterval) ?? DEFAULT_HEARTBEAT_MS;
    this.startHeartbeat();
    this.setStatus('open');
    const token = this.opts.getToken?.() ?? null;
    if (token) void this.authenticate(token);
    // Rooms are public: subscribe at once (resuming each from its last sequence).
    for (const id of this.rooms.keys()) this.sendSubscribe(id);
  }

  /** Signs the connection in; then (re)starts the notifications if the app wants them. */
  private async authenticate(token: string): Promise<void> {
    const wasAuthed = !!this.authedToken;
    try {
      await this.request({ authenticate: { accessToken: token } });
      this.authedToken = token;
    } catch {
      this.authedToken = null;
      return;
    }
    if (!wasAuthed && this.notificationHandlers.size > 0) {
      void this.request({ subscribeNotifications: { enabled: true } }).catch(() => {});
    }
  }

  private onError(e: ErrorFrame) {
    const err = new ApiError({
      status: 0,
      code: e.code ?? 'UNKNOWN',
      message: e.message ?? '',
      reason: e.errorInfo?.reason,
      field: e.errorInfo?.field,
      metadata: e.errorInfo?.metadata,
      retryAfterMs: parseRetryAfter(null, e.errorInfo?.metadata ?? {}),
    });
    const p = e.frameId ? this.pending.get(e.frameId) : undefined;
    if (p) {
      this.pending.delete(e.frameId ?? '');
      clearTimeout(p.timer);
      p.reject(err);
    } else {
      if (e.errorInfo?.reason === 'TOKEN_EXPIRED') this.authedToken = null;
      if (e.errorInfo?.metadata?.subscription === 'notifications') this.resubscribeNotifications();
      this.opts.onConnectionError?.(e);
    }
  }

  /** The server ended the notifications feed on its own (realtime-push restarting, too slow):
   *  ask again after a jittered second, if anyone still listens and we are still signed in. */
  private resubscribeNotifications() {
    if (this.notificationsRetryTimer) return;
    const delay = Math.round(1_000 * (1 + (this.opts.random ?? Math.random)()));
    this.notificationsRetryTimer = setTimeout(() => {
      this.notificationsRetryTimer = null;
      if (this.notificationHandlers.size > 0 && this.isOpen() && this.authedToken) {
        void this.request({ subscribeNotifications: { enabled: true } }).catch(() => {});
      }
    }, delay);
  }

  private onRoomEnded(e: RoomEnded) {
    const id = e.streamId ?? '';
    const room = this.rooms.get(id);
    if (!room) return;
    switch (e.reason) {
      case 'ROOM_END_REASON_TOO_SLOW':
        this.sendSubscribe(id);
        return;
      case 'ROOM_END_REASON_UPSTREAM_UNAVAILABLE':
        this.subscribeLater(id, room, parseDuration(e.retryAfter) ?? 1_000);
        return;
      case 'ROOM_END_REASON_UNSUBSCRIBED':
        return;
      default:
        room.handlers.forEach((h) => h.onEnded?.(e));
        this.rooms.delete(id);
    }
  }

  private sendSubscribe(streamId: string) {
    const room = this.rooms.get(streamId);
    if (!room || !this.isOpen()) return;
    void this.request({
      subscribeRoom: {
        streamId,
        afterSequence: String(room.lastSequence),
        skipPresence: room.skipPresence,
      },
    }).then(
      () => {
        room.refusals = 0;
      },
      (e: unknown) => {
        // Closed meanwhile: the reconnect subscribes again. Unfollowed: nothing to do.
        if (!this.isOpen() || this.rooms.get(streamId) !== room || !refusalIsTransient(e)) return;
        const base = (e as ApiError).retryAfterMs ?? Math.min(SUBSCRIBE_RETRY_MAX_MS, SUBSCRIBE_RETRY_FIRST_MS * 2 ** room.refusals);
        room.refusals++;
        this.subscribeLater(streamId, room, base);
      },
    );
  }

  /** Subscribes to `room` again after `baseMs` and up to half as much again (jitter: a crowd
   *  told the same thing does not come back at once), if it is still followed then. */
  private subscribeLater(streamId: string, room: Room, baseMs: number) {
    const delay = Math.round(baseMs * (1 + 0.5 * (this.opts.random ?? Math.random)()));
    if (room.retryTimer) clearTimeout(room.retryTimer);
    room.retryTimer = setTimeout(() => {
      room.retryTimer = null;
      if (this.rooms.get(streamId) === room) this.sendSubscribe(streamId);
    }, delay);
  }

  private startHeartbeat() {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      if (!this.isOpen()) return;
      this.lastHeartbeatSentAt = this.now();
      this.sendFrame({ heartbeat: { clientTime: new Date(this.lastHeartbeatSentAt).toISOString() } });
    }, this.heartbeatMs);
  }

  /** Nothing heard for this long (heartbeats are answered): the connection is dead; drop it. */
  private armDeadTimer(ms: number) {
    if (this.deadTimer) clearTimeout(this.deadTimer);
    this.deadTimer = setTimeout(() => {
      const s = this.socket;
      if (!s) return;
      this.socket = null;
      s.onclose = null;
      s.onmessage = null;
      try {
        s.close(4000, 'no answer');
      } catch {
        /* already closed */
      }
      this.onClosed();
    }, ms);
  }

  private clearTimers() {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.deadTimer) clearTimeout(this.deadTimer);
    this.heartbeatTimer = null;
    this.deadTimer = null;
  }

  private failPending(code: string, message: string) {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(new ApiError({ status: 0, code, message }));
    }
  }

  private sendFrame(frame: ClientFrame) {
    this.socket?.send(JSON.stringify(frame));
  }

  private isOpen(): boolean {
    return !!this.socket && this.welcomed && this.socket.readyState === OPEN;
  }

  private frameId(): string {
    return `f${this.nextFrame++}`;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private setStatus(s: ConnectionStatus) {
    if (s === this.statusValue) return;
    this.statusValue = s;
    this.statusListeners.forEach((l) => l(s));
  }
}
