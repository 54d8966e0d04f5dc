import { useEffect, useState } from 'react';
import { Realtime } from '../api/services';
import type { Notification } from '../api/types';
import { ws } from '../realtime/connection';
import { useSession } from './useSession';

/** The signed-in user's inbox: the latest page, then live notifications over the WebSocket. */
export function useNotifications() {
  const s = useSession();
  const [items, setItems] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const signedIn = s.status === 'signedIn';

  useEffect(() => {
    if (!signedIn) {
      setItems([]);
      setUnread(0);
      return;
    }
    let live = true;
    Realtime.ListNotifications({ page: { pageSize: 20 } }).then(
      (r) => {
        if (!live) return;
        setItems(r.notifications ?? []);
        setUnread(Number(r.unreadCount ?? 0));
      },
      () => {},
    );
    const off = ws().subscribeNotifications({
      onUnread: (n) => setUnread(n),
      onNotification: (n) => {
        setItems((prev) => [n, ...prev.filter((p) => p.id !== n.id)].slice(0, 50));
        setUnread((u) => u + 1);
      },
    });
    return () => {
      live = false;
      off();
    };
  }, [signedIn]);

  const markAllRead = async () => {
    const newest = items[0]?.createdAt;
    if (!newest) return;
    try {
      const r = await Realtime.MarkNotificationsRead({ upTo: newest });
      setUnread(Number(r.unreadCount ?? 0));
      setItems((prev) => prev.map((n) => ({ ...n, readAt: n.readAt ?? newest })));
    } catch {
      /* the bell stays as it is */
    }
  };

  return { items, unread, markAllRead, signedIn };
}
