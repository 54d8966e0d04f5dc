import { useState } from 'react';

/** A read-only value with a copy button (stream keys, ingest URLs). Secrets are masked until
 * shown. */
export function CopyField({ label, value, secret }: { label: string; value: string; secret?: boolean }) {
  const [shown, setShown] = useState(!secret);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="copy-field">
      <span className="copy-label">{label}</span>
      <code className="copy-value" aria-label={label}>
        {shown ? value : '•'.repeat(Math.min(24, value.length))}
      </code>
      {secret && (
        <button type="button" className="btn btn-small btn-ghost" onClick={() => setShown((s) => !s)} aria-pressed={shown}>
          {shown ? 'Hide' : 'Show'}
        </button>
      )}
      <button type="button" className="btn btn-small" onClick={copy} aria-label={`Copy ${label}`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
