// A product type's parameter schema turned into form fields, typed input turned into the
// ParameterValue JSON the API takes, and the server's field violations mapped back onto fields.
// The server (ValidateProduct) is the authority; the local checks here only catch what needs no
// round trip (a required field left empty, letters in a number) so the form reacts at once.
import type { FieldViolation, ParameterSpec, ParameterValue, ProductType } from '../api/types';
import { parseMoneyInput } from '../util/money';

export type FieldKind = 'text' | 'integer' | 'boolean' | 'choice' | 'money' | 'decimal';

export interface FieldDescriptor {
  key: string;
  /** Form key: "param:<key>" for schema parameters. */
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  help: string;
  unit: string;
  choices: string[];
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  pattern?: string;
  decimalPlaces?: number;
  currency?: string;
}

const kindMap: Record<string, FieldKind> = {
  PARAMETER_KIND_TEXT: 'text',
  PARAMETER_KIND_INTEGER: 'integer',
  PARAMETER_KIND_BOOLEAN: 'boolean',
  PARAMETER_KIND_CHOICE: 'choice',
  PARAMETER_KIND_MONEY: 'money',
  PARAMETER_KIND_DECIMAL: 'decimal',
};

export function fieldFromSpec(spec: ParameterSpec): FieldDescriptor | null {
  const kind = kindMap[spec.kind ?? ''];
  if (!kind || !spec.key) return null;
  const min = spec.minValue !== undefined ? Number(spec.minValue) : 0;
  const max = spec.maxValue !== undefined ? Number(spec.maxValue) : 0;
  const bounded = kind === 'integer' && !(min === 0 && max === 0);
  return {
    key: spec.key,
    name: `param:${spec.key}`,
    label: spec.label || spec.key,
    kind,
    required: !!spec.required,
    help: spec.helpText ?? '',
    unit: spec.unit ?? '',
    choices: spec.choices ?? [],
    minLength: kind === 'text' ? (spec.minLength ?? 0) : undefined,
    maxLength: kind === 'text' ? spec.maxLength || 200 : undefined,
    min: bounded ? min : undefined,
    max: bounded ? max : undefined,
    pattern: spec.pattern || undefined,
    decimalPlaces: kind === 'decimal' ? (spec.decimalPlaces ?? 0) : undefined,
    currency: kind === 'money' ? (spec.minMoney?.currency ?? spec.maxMoney?.currency) : undefined,
  };
}

export function fieldsFromSchema(type: ProductType | undefined): FieldDescriptor[] {
  return (type?.parameters ?? []).map(fieldFromSpec).filter((f): f is FieldDescriptor => f !== null);
}

export type RawValue = string | boolean;

/** What the person typed → the API value; undefined when left empty (then not sent). */
export function toParameterValue(f: FieldDescriptor, raw: RawValue | undefined, currency: string): ParameterValue | undefined {
  if (f.kind === 'boolean') return raw === undefined ? (f.required ? { boolValue: false } : undefined) : { boolValue: !!raw };
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return undefined;
  switch (f.kind) {
    case 'text':
      return { textValue: text };
    case 'choice':
      return { choiceValue: text };
    case 'integer':
      return /^-?\d+$/.test(text) ? { integerValue: text } : { textValue: text }; // server says TYPE_MISMATCH
    case 'decimal':
      return { decimalValue: text };
    case 'money': {
      const cur = f.currency ?? currency;
      const minor = parseMoneyInput(text, cur);
      return { moneyValue: { amountMinor: minor ?? text, currency: cur } };
    }
  }
}

/** Checks that need no server; null when fine. */
export function localCheck(f: FieldDescriptor, raw: RawValue | undefined, currency = 'USD'): string | null {
  if (f.kind === 'boolean') return null;
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return f.required ? `${f.label} is required.` : null;
  switch (f.kind) {
    case 'integer': {
      if (!/^-?\d+$/.test(text)) return `${f.label} must be a whole number.`;
      const v = Number(text);
      if (f.min !== undefined && f.max !== undefined && (v < f.min || v > f.max)) {
        return `${f.label} must be between ${f.min} and ${f.max}${f.unit ? ' ' + f.unit : ''}.`;
      }
      return null;
    }
    case 'decimal': {
      if (!/^-?\d+(\.\d+)?$/.test(text)) return `${f.label} must be a number like 12.5.`;
      const places = text.includes('.') ? text.split('.')[1].length : 0;
      if (f.decimalPlaces !== undefined && places > f.decimalPlaces) {
        return `${f.label} allows at most ${f.decimalPlaces} decimal places.`;
      }
      return null;
    }
    case 'money':
      return parseMoneyInput(text, f.currency ?? currency) === null ? `${f.label} must be an amount like 12.50.` : null;
    case 'choice':
      return f.choices.includes(text) ? null : `Choose one of the listed ${f.label.toLowerCase()} values.`;
    case 'text': {
      const len = [...text].length;
      if (f.maxLength && len > f.maxLength) return `${f.label} is at most ${f.maxLength} characters.`;
      if (f.minLength && len < f.minLength) return `${f.label} needs at least ${f.minLength} characters.`;
      return null;
    }
  }
  return null;
}

/** Server field path → form key: "product.parameters[size]" → "param:size",
 * "product.price.amount_minor" → "price", "product.auction_settings.starting_bid" →
 * "auctionSettings.startingBid", "initial_stock" → "initialStock". */
export function formKeyForField(field: string): string {
  let f = field.trim();
  const param = /parameters\[["']?([^\]"']+)["']?\]/.exec(f);
  if (param) return `param:${param[1]}`;
  f = f.replace(/^product\./, '');
  const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const parts = f.split('.').map(camel);
  // money sub-fields belong to the money input
  if (parts.length > 1 && (parts[parts.length - 1] === 'amountMinor' || parts[parts.length - 1] === 'currency')) {
    parts.pop();
  }
  return parts.join('.');
}

/** Violations grouped by form key, for display next to each field. */
export function violationsByField(violations: FieldViolation[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of violations ?? []) {
    const key = v.field ? formKeyForField(v.field) : '_';
    const text = v.description || humanReason(v.reason ?? '');
    (out[key] ??= []).push(text);
  }
  return out;
}

function humanReason(reason: string): string {
  if (!reason) return 'Invalid value.';
  const s = reason.toLowerCase().replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}
