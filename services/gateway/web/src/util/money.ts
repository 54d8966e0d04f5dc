import type { Money } from '../api/types';

function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "$12.50" from {amountMinor: "1250", currency: "USD"}; "" when absent. */
export function formatMoney(m: Money | undefined | null): string {
  if (!m || !m.currency) return '';
  const digits = fractionDigits(m.currency);
  const minor = Number(m.amountMinor ?? '0');
  const value = minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${m.currency}`;
  }
}

/** Parses what a person typed ("12", "12.5", "12.50") into minor units as a string; null when it
 * is not an amount of that currency (negative, too many decimals, not a number). */
export function parseMoneyInput(text: string, currency: string): string | null {
  const t = text.trim().replace(/,/g, '');
  const digits = fractionDigits(currency);
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > digits) return null;
  const minor = BigInt(m[1]) * 10n ** BigInt(digits) + BigInt((frac + '0'.repeat(digits)).slice(0, digits) || '0');
  return minor.toString();
}

/** Minor units → the text a form shows ("12.50"). */
export function moneyInputText(m: Money | undefined): string {
  if (!m?.currency) return '';
  const digits = fractionDigits(m.currency);
  const minor = BigInt(m.amountMinor ?? '0');
  if (digits === 0) return minor.toString();
  const base = 10n ** BigInt(digits);
  const frac = (minor % base).toString().padStart(digits, '0');
  return `${minor / base}.${frac}`;
}

export function money(amountMinor: string, currency: string): Money {
  return { amountMinor, currency };
}
