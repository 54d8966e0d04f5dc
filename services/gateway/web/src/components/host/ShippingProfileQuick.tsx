import { useState, type FormEvent } from 'react';
import { Products } from '../../api/services';
import { describeError } from '../../api/errors';
import type { ShippingProfile } from '../../api/types';
import { parseMoneyInput } from '../../util/money';
import { COUNTRIES } from '../checkout/testCards';

/** A first shipping profile in one step: one flat rate to every country. */
export function ShippingProfileQuick({ currency, onCreated }: { currency: string; onCreated: (p: ShippingProfile) => void }) {
  const [name, setName] = useState('Standard shipping');
  const [origin, setOrigin] = useState('US');
  const [rate, setRate] = useState('5.00');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    e.stopPropagation();
    const minor = parseMoneyInput(rate, currency);
    if (minor === null) return setError('Enter a rate like 5.00.');
    setBusy(true);
    setError('');
    try {
      const r = await Products.CreateShippingProfile({
        shippingProfile: {
          name,
          originCountryCode: origin,
          handlingTime: '86400s',
          rates: [{ countryCodes: ['*'], firstUnit: { amountMinor: minor, currency }, additionalUnit: { amountMinor: '0', currency } }],
        },
      });
      if (r.shippingProfile) onCreated(r.shippingProfile);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="subform" onSubmit={submit} aria-label="New shipping profile">
      <p className="muted">You need a shipping profile first. Create a flat-rate one:</p>
      <div className="grid-3">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Ships from
          <select value={origin} onChange={(e) => setOrigin(e.target.value)}>
            {COUNTRIES.map(([c, n]) => (
              <option key={c} value={c}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rate ({currency})
          <input inputMode="decimal" value={rate} onChange={(e) => setRate(e.target.value)} />
        </label>
      </div>
      <button className="btn btn-small" type="submit" disabled={busy}>
        Create shipping profile
      </button>
      {error && <p className="field-error" role="alert">{error}</p>}
    </form>
  );
}
