import { useEffect, useRef, useState } from 'react';
import { Icon } from './Icon';
import { Link } from 'react-router-dom';
import { useNotifications } from '../hooks/useNotifications';
import { appLink } from '../util/links';

/** The bell: unread count fed live over the WebSocket, the latest notifications in a panel. */
export function NotificationBell() {
  const { items, unread, markAllRead, signedIn } = useNotifications();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  // Escape or a click elsewhere closes the panel (focus goes back to the bell on Escape)
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        root.current?.querySelector<HTMLButtonElement>('.bell-btn')?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);
  if (!signedIn) return null;
  return (
    <div className="bell" ref={root}>
      <button
        type="button"
        className="icon-btn bell-btn"
        aria-label={`Notifications${unread ? `, ${unread} unread` : ''}`}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <Icon name="bell" size={22} />
        {unread > 0 && <span className="bell-count" aria-hidden="true">{unread > 99 ? '99+' : unread}</span>}
      </button>
      {open && (
        <div className="bell-panel" role="region" aria-label="Notifications">
          <div className="bell-head">
            <strong>Notifications</strong>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => void markAllRead()} disabled={!unread}>
              Mark all read
            </button>
          </div>
          {items.length === 0 && <p className="empty">Nothing yet.</p>}
          <ul>
            {items.map((n) => (
              <li key={n.id} className={n.readAt ? '' : 'unread'}>
                <Link to={appLink(n.link)} onClick={() => setOpen(false)}>
                  <strong>{n.title}</strong>
                  {n.body && <span>{n.body}</span>}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
