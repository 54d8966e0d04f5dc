import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import type { ChatMessage } from '../../api/types';
import { describeError } from '../../api/errors';
import { maskId } from '../../util/ids';

interface Props {
  messages: ChatMessage[];
  /** Null when signed out: the input becomes a sign-in button that returns here. */
  onSend: ((text: string) => Promise<void>) | null;
  maxChars?: number;
  closed?: boolean;
  /** Host moderation. */
  onDelete?: (m: ChatMessage) => void;
  onMute?: (m: ChatMessage) => void;
  title?: string;
}

/** Live chat. Every message is rendered as text (React escapes it); never as HTML. */
export function ChatPanel({ messages, onSend, maxChars = 500, closed, onDelete, onMute, title = 'Live chat' }: Props) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const navigate = useNavigate();
  const loc = useLocation();

  useEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    if (!t || !onSend) return;
    setSending(true);
    setError('');
    try {
      await onSend(t);
      setText('');
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSending(false);
    }
  };
  const over = [...text].length > maxChars;

  return (
    <section className="chat" aria-label={title}>
      <h2 className="panel-title">{title}</h2>
      <ol
        ref={list}
        className="chat-list"
        aria-live="polite"
        aria-relevant="additions"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {messages.length === 0 && <li className="empty">No messages yet — say hello!</li>}
        {messages.map((m, i) => (
          <li key={m.id || m.clientMessageId || i} className={`chat-msg${m.id ? '' : ' pending'}`} data-testid="chat-message">
            <span className={`chat-author${m.author?.isHost ? ' is-host' : ''}`}>
              {m.author?.displayName || maskId(m.author?.userId)}
              {m.author?.isHost && <span className="badge badge-host">Host</span>}
            </span>
            <span className="chat-text">{m.text}</span>
            {(onDelete || onMute) && m.id && !m.author?.isHost && (
              <span className="chat-tools">
                {onDelete && (
                  <button type="button" className="link-btn" onClick={() => onDelete(m)} aria-label={`Delete message from ${m.author?.displayName || 'viewer'}`}>
                    Delete
                  </button>
                )}
                {onMute && (
                  <button type="button" className="link-btn" onClick={() => onMute(m)} aria-label={`Mute ${m.author?.displayName || 'viewer'} for 10 minutes`}>
                    Mute
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ol>
      {closed ? (
        <p className="muted chat-closed">Chat is closed.</p>
      ) : onSend ? (
        <form className="chat-form" onSubmit={submit}>
          <label htmlFor="chat-input" className="sr-only">
            Message
          </label>
          <input
            id="chat-input"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Say something…"
            autoComplete="off"
            aria-invalid={over}
            aria-describedby={error ? 'chat-error' : undefined}
          />
          <button className="btn btn-primary" type="submit" disabled={sending || !text.trim() || over}>
            Send
          </button>
        </form>
      ) : (
        <button type="button" className="btn btn-block" onClick={() => navigate(`/login?return=${encodeURIComponent(loc.pathname)}`)}>
          Sign in to chat
        </button>
      )}
      {over && <p className="field-error">At most {maxChars} characters.</p>}
      {error && (
        <p id="chat-error" className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
