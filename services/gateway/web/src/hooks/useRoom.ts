import { useCallback, useEffect, useState } from 'react';
import type { ChatMessage } from '../api/types';
import { ws } from '../realtime/connection';
import { applyEvent, emptyRoom, fromSnapshot, type RoomView } from '../realtime/roomState';
import type { ConnectionStatus } from '../realtime/wsClient';

/** Follows a stream's room over the WebSocket and keeps its view current. */
export function useRoom(streamId: string | undefined, opts: { skipPresence?: boolean } = {}) {
  const [room, setRoom] = useState<RoomView>(emptyRoom);
  const [connection, setConnection] = useState<ConnectionStatus>(() => ws().status);
  const skipPresence = !!opts.skipPresence;

  useEffect(() => ws().onStatus(setConnection), []);

  useEffect(() => {
    if (!streamId) return;
    setRoom(emptyRoom());
    return ws().subscribeRoom(
      streamId,
      {
        onStarted: (s) => {
          if (!s.resumed && s.snapshot) setRoom(fromSnapshot(s.snapshot));
        },
        onEvent: (ev) => setRoom((r) => applyEvent(r, ev)),
        onEnded: () => setRoom((r) => ({ ...r, closed: true, status: r.status === 'STREAM_STATUS_LIVE' ? 'STREAM_STATUS_ENDED' : r.status })),
      },
      { skipPresence },
    );
  }, [streamId, skipPresence]);

  /** Shows the author's own message at once; the room event replaces it. */
  const addOptimisticChat = useCallback((m: ChatMessage) => {
    setRoom((r) => ({ ...r, chat: [...r.chat, m] }));
  }, []);
  const dropChat = useCallback((clientMessageId: string) => {
    setRoom((r) => ({ ...r, chat: r.chat.filter((c) => c.id || c.clientMessageId !== clientMessageId) }));
  }, []);

  return { room, setRoom, connection, addOptimisticChat, dropChat };
}
