import { useEffect, useState } from 'react';
import { User as UserApi } from '../../api/services';
import type { NotificationPreferences } from '../../api/types';
import { describeError } from '../../api/errors';
import { Spinner } from '../Feedback';

type Key = 'followedHostLive' | 'outbid' | 'orderUpdates' | 'marketing';

// Each switch, its field in the contract (the update mask's path) and what it means to a person.
export const PREFERENCES: { key: Key; label: string; hint: string }[] = [
  { key: 'followedHostLive', label: 'A host I follow goes live', hint: 'In the app and by e-mail' },
  { key: 'outbid', label: 'Someone outbids me', hint: 'When another bidder takes the lead in an auction I bid in' },
  { key: 'orderUpdates', label: 'My orders change', hint: 'Confirmed, shipped, cancelled or refunded' },
  { key: 'marketing', label: 'Offers and news from Shopcast', hint: 'Off unless you turn it on' },
];

/** The four notification switches. Each change is saved at once (only that switch), shown
 * straight away and put back if the server refuses it. */
export function NotificationSettings() {
  const [prefs, setPrefs] = useState<NotificationPreferences | null>(null);
  const [error, setError] = useState('');
  const [saving, setSaving] = useState<Key | null>(null);
  const [saved, setSaved] = useState<Key | null>(null);

  useEffect(() => {
    let stop = false;
    UserApi.GetNotificationPreferences({}).then(
      (r) => !stop && setPrefs(r.preferences ?? {}),
      (e: unknown) => !stop && setError(describeError(e)),
    );
    return () => {
      stop = true;
    };
  }, []);

  const toggle = async (key: Key, on: boolean) => {
    if (!prefs) return;
    const before = prefs;
    setPrefs({ ...prefs, [key]: on });
    setSaving(key);
    setSaved(null);
    setError('');
    try {
      const r = await UserApi.UpdateNotificationPreferences({ updateMask: key, preferences: { [key]: on } });
      setPrefs(r.preferences ?? {});
      setSaved(key);
    } catch (e) {
      setPrefs(before);
      setError(describeError(e));
    } finally {
      setSaving(null);
    }
  };

  return (
    <section className="stack" aria-label="Notification settings">
      <h2>Notifications</h2>
      <p className="muted">What Shopcast tells you about, in the app and by e-mail.</p>
      {!prefs && !error && <Spinner label="Loading your settings" />}
      {prefs && (
        <ul className="pref-list">
          {PREFERENCES.map((p) => (
            <li key={p.key}>
              <label>
                <input type="checkbox" checked={!!prefs[p.key]} disabled={saving !== null} onChange={(e) => void toggle(p.key, e.target.checked)} />{' '}
                {p.label}
              </label>
              <span className="field-hint">{p.hint}</span>
              {saved === p.key && (
                <span className="muted" role="status">
                  {' '}
                  Saved ✓
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
