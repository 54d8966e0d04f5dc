import { useState, type FormEvent } from 'react';
import { Products } from '../../api/services';
import { ApiError, describeError } from '../../api/errors';
import type { ParameterKind, ParameterSpec, ProductType, SaleMode } from '../../api/types';
import { violationsByField } from '../../products/schemaForm';

const KINDS: Array<[ParameterKind, string]> = [
  ['PARAMETER_KIND_TEXT', 'Text'],
  ['PARAMETER_KIND_INTEGER', 'Whole number'],
  ['PARAMETER_KIND_DECIMAL', 'Decimal'],
  ['PARAMETER_KIND_BOOLEAN', 'Yes / no'],
  ['PARAMETER_KIND_CHOICE', 'Choice'],
  ['PARAMETER_KIND_MONEY', 'Money'],
];

interface Row {
  key: string;
  label: string;
  kind: ParameterKind;
  required: boolean;
  /** choices "S, M, L" / integer range "30..50" / text max length / decimal places */
  rule: string;
}

const blankRow = (): Row => ({ key: '', label: '', kind: 'PARAMETER_KIND_TEXT', required: false, rule: '' });

export function specOf(r: Row): ParameterSpec {
  const spec: ParameterSpec = { key: r.key.trim(), label: r.label.trim(), kind: r.kind, required: r.required };
  const rule = r.rule.trim();
  if (r.kind === 'PARAMETER_KIND_CHOICE') spec.choices = rule.split(',').map((c) => c.trim()).filter(Boolean);
  if (r.kind === 'PARAMETER_KIND_INTEGER') {
    const m = /^(-?\d+)\s*\.\.\s*(-?\d+)$/.exec(rule);
    if (m) {
      spec.minValue = m[1];
      spec.maxValue = m[2];
    }
  }
  if (r.kind === 'PARAMETER_KIND_TEXT' && /^\d+$/.test(rule)) spec.maxLength = Number(rule);
  if (r.kind === 'PARAMETER_KIND_DECIMAL' && /^\d$/.test(rule)) spec.decimalPlaces = Number(rule);
  return spec;
}

const ruleHint: Partial<Record<ParameterKind, string>> = {
  PARAMETER_KIND_CHOICE: 'S, M, L',
  PARAMETER_KIND_INTEGER: '30..50',
  PARAMETER_KIND_TEXT: 'max length',
  PARAMETER_KIND_DECIMAL: 'decimal places',
};

/** An admin defines a product type: the parameter schema hosts' product forms are built from. */
export function ProductTypeForm({ onCreated }: { onCreated: (t: ProductType) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [modes, setModes] = useState<SaleMode[]>([]);
  const [rows, setRows] = useState<Row[]>([blankRow()]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const upd = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await Products.CreateProductType({
        productType: { name: name.trim(), description: description.trim(), parameters: rows.filter((x) => x.key.trim()).map(specOf), allowedSaleModes: modes },
        platform: true,
      });
      if (r.productType) onCreated(r.productType);
      setName('');
      setDescription('');
      setRows([blankRow()]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const violations = error instanceof ApiError ? violationsByField(error.violations) : {};

  return (
    <form className="panel stack" onSubmit={submit} aria-label="New product type">
      <h2 className="panel-title">New product type</h2>
      {error ? (
        <div className="banner banner-error" role="alert">
          <span>{describeError(error)}</span>
          <ul>
            {Object.entries(violations).map(([k, v]) => (
              <li key={k}>
                <code>{k}</code>: {v.join(' ')}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="grid-2">
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="field">
          <span>Description</span>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
      </div>
      <fieldset className="checks">
        <legend>Sale modes (none ticked = both)</legend>
        {(['SALE_MODE_FIXED_PRICE', 'SALE_MODE_AUCTION'] as SaleMode[]).map((m) => (
          <label key={m}>
            <input type="checkbox" checked={modes.includes(m)} onChange={(e) => setModes((ms) => (e.target.checked ? [...ms, m] : ms.filter((x) => x !== m)))} />{' '}
            {m === 'SALE_MODE_AUCTION' ? 'Auction' : 'Fixed price'}
          </label>
        ))}
      </fieldset>
      <div className="table-scroll">
        <table className="param-table">
          <caption>Parameters</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Label</th>
              <th scope="col">Kind</th>
              <th scope="col">Required</th>
              <th scope="col">Rule</th>
              <th scope="col">
                <span className="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>
                  <input aria-label={`Parameter ${i + 1} key`} value={r.key} onChange={(e) => upd(i, { key: e.target.value })} placeholder="size" />
                </td>
                <td>
                  <input aria-label={`Parameter ${i + 1} label`} value={r.label} onChange={(e) => upd(i, { label: e.target.value })} placeholder="Size" />
                </td>
                <td>
                  <select aria-label={`Parameter ${i + 1} kind`} value={r.kind} onChange={(e) => upd(i, { kind: e.target.value as ParameterKind })}>
                    {KINDS.map(([k, l]) => (
                      <option key={k} value={k}>
                        {l}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input type="checkbox" aria-label={`Parameter ${i + 1} required`} checked={r.required} onChange={(e) => upd(i, { required: e.target.checked })} />
                </td>
                <td>
                  <input aria-label={`Parameter ${i + 1} rule`} value={r.rule} onChange={(e) => upd(i, { rule: e.target.value })} placeholder={ruleHint[r.kind] ?? ''} disabled={!ruleHint[r.kind]} />
                </td>
                <td>
                  <button type="button" className="link-btn" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))} aria-label={`Remove parameter ${i + 1}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" className="btn btn-small" onClick={() => setRows((rs) => [...rs, blankRow()])}>
        + Parameter
      </button>
      <button className="btn btn-primary" type="submit" disabled={busy || !name.trim()}>
        Create product type
      </button>
    </form>
  );
}
