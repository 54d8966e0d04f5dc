import { useMemo, useRef, useState, type FormEvent } from 'react';
import { Products } from '../../api/services';
import { ApiError, describeError } from '../../api/errors';
import type { Product, ProductType, ShippingProfile } from '../../api/types';
import { useAsync } from '../../hooks/useAsync';
import { useProductValidation } from '../../hooks/useProductValidation';
import { draftFromForm, emptyForm, type ProductFormState } from '../../products/productDraft';
import { fieldsFromSchema, localCheck, violationsByField } from '../../products/schemaForm';
import { randomId } from '../../util/ids';
import { formatMoney, moneyInputText } from '../../util/money';
import { Field } from '../Field';
import { Modal } from '../Modal';
import { ParamInput } from './ParamInput';
import { ShippingProfileQuick } from './ShippingProfileQuick';

interface Props {
  streamId: string;
  currencies: string[];
  onClose: () => void;
  onCreated: (p: Product, pin: boolean) => void;
}

/** The "add product" modal: fields come from the chosen product type's schema; every field is
 * checked by the server (ValidateProduct) as the host types, and at once locally where no server
 * is needed; auctions get the suggested buy-now price. */
export function ProductFormModal({ streamId, currencies, onClose, onCreated }: Props) {
  const types = useAsync(() => Products.ListProductTypes({ page: { pageSize: 100 } }), []);
  const profiles = useAsync(() => Products.ListShippingProfiles({ page: { pageSize: 100 } }), []);
  const [form, setForm] = useState<ProductFormState>(emptyForm);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [pin, setPin] = useState(true);
  const [error, setError] = useState<unknown>();
  const [serverErrors, setServerErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const idemKey = useRef(randomId('prd_'));

  const typeList: ProductType[] = (types.data?.productTypes ?? []).filter((t) => !t.archived);
  const profileList: ShippingProfile[] = profiles.data?.shippingProfiles ?? [];
  if (!form.productTypeId && typeList.length > 0) setForm((f) => ({ ...f, productTypeId: typeList[0].id ?? '' }));
  if (!form.shippingProfileId && profileList.length > 0) setForm((f) => ({ ...f, shippingProfileId: profileList[0].id ?? '' }));
  const type = typeList.find((t) => t.id === form.productTypeId);
  const fields = useMemo(() => fieldsFromSchema(type), [type]);
  const modes = type?.allowedSaleModes?.length ? type.allowedSaleModes : (['SALE_MODE_FIXED_PRICE', 'SALE_MODE_AUCTION'] as const);
  const draft = useMemo(() => draftFromForm(form, type, streamId), [form, type, streamId]);
  const validation = useProductValidation(draft, touched.size > 0 || submitted);

  const set = <K extends keyof ProductFormState>(k: K, v: ProductFormState[K], touch: string = k) => {
    setForm((f) => ({ ...f, [k]: v }));
    setTouched((t) => new Set(t).add(touch));
    setServerErrors({});
  };
  const setParam = (key: string, v: string | boolean) => {
    setForm((f) => ({ ...f, params: { ...f.params, [key]: v } }));
    setTouched((t) => new Set(t).add(`param:${key}`));
    setServerErrors({});
  };

  const errorsFor = (name: string, local?: string | null): string[] | undefined => {
    const show = submitted || touched.has(name) || [...touched].some((t) => name.startsWith(t));
    if (!show) return undefined;
    // a local finding (needs no server) replaces the server's for the same field
    if (local) return [local];
    const list = serverErrors[name] ?? validation.errors[name] ?? [];
    return list.length ? list : undefined;
  };

  const localErrors = fields.map((f) => localCheck(f, form.params[f.key], form.currency)).filter(Boolean);
  const serverClean = validation.upToDate && Object.keys(validation.errors).length === 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (localErrors.length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await Products.CreateProduct({ product: draft.product, initialStock: draft.initialStock, idempotencyKey: idemKey.current });
      if (r.product) onCreated(r.product, pin && form.listNow);
      onClose();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'INVALID_ARGUMENT') setServerErrors(violationsByField(err.violations));
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const other = [...(serverErrors._ ?? []), ...(submitted ? (validation.errors._ ?? []) : [])];
  const auction = form.saleMode === 'SALE_MODE_AUCTION';
  const sug = validation.suggested;

  return (
    <Modal
      title="Add a product"
      onClose={onClose}
      wide
      footer={
        <>
          <span className="muted validation-state" aria-live="polite">
            {validation.checking ? 'Checking…' : serverClean && touched.size > 0 ? '✓ Looks good' : ''}
          </span>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="product-form" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : form.listNow ? 'Create and drop' : 'Save draft'}
          </button>
        </>
      }
    >
      {error ? <div className="banner banner-error" role="alert">{describeError(error)}</div> : null}
      {other.length > 0 && (
        <div className="banner banner-error" role="alert">
          {other.map((o, i) => (
            <p key={i}>{o}</p>
          ))}
        </div>
      )}
      {profiles.data && profileList.length === 0 && (
        <ShippingProfileQuick
          currency={form.currency}
          onCreated={(p) => {
            profiles.setData((d) => ({ ...d, shippingProfiles: [...(d?.shippingProfiles ?? []), p] }));
            set('shippingProfileId', p.id ?? '');
          }}
        />
      )}
      <form id="product-form" className="product-form" onSubmit={submit} noValidate>
        <div className="grid-2">
          <Field label="Product type" errors={errorsFor('productTypeId')}>
            {({ id, describedBy, invalid }) => (
              <select id={id} aria-describedby={describedBy} aria-invalid={invalid} value={form.productTypeId} onChange={(e) => set('productTypeId', e.target.value)}>
                {typeList.length === 0 && <option value="">No product types yet (ask an admin)</option>}
                {typeList.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Sale mode" errors={errorsFor('saleMode')}>
            {({ id, describedBy }) => (
              <select id={id} aria-describedby={describedBy} value={form.saleMode} onChange={(e) => set('saleMode', e.target.value as ProductFormState['saleMode'])}>
                {modes.map((m) => (
                  <option key={m} value={m}>
                    {m === 'SALE_MODE_AUCTION' ? 'Auction' : 'Fixed price'}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field label="Title *" errors={errorsFor('title', submitted && !form.title.trim() ? 'Title is required.' : null)}>
          {({ id, describedBy, invalid }) => (
            <input id={id} aria-describedby={describedBy} aria-invalid={invalid} value={form.title} onChange={(e) => set('title', e.target.value)} data-autofocus />
          )}
        </Field>
        <Field label="Description" errors={errorsFor('description')}>
          {({ id, describedBy, invalid }) => (
            <textarea id={id} rows={2} aria-describedby={describedBy} aria-invalid={invalid} value={form.description} onChange={(e) => set('description', e.target.value)} />
          )}
        </Field>
        <div className="grid-3">
          <Field label="Currency">
            {({ id }) => (
              <select id={id} value={form.currency} onChange={(e) => set('currency', e.target.value)}>
                {(currencies.length ? currencies : ['USD', 'EUR', 'GBP']).map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            )}
          </Field>
          {!auction && (
            <Field label="Price *" errors={errorsFor('price')}>
              {({ id, describedBy, invalid }) => (
                <input id={id} inputMode="decimal" aria-describedby={describedBy} aria-invalid={invalid} value={form.price} onChange={(e) => set('price', e.target.value)} />
              )}
            </Field>
          )}
          <Field label={auction ? 'Units (one per auction)' : 'Stock *'} errors={errorsFor('initialStock')}>
            {({ id, describedBy, invalid }) => (
              <input id={id} inputMode="numeric" aria-describedby={describedBy} aria-invalid={invalid} value={form.initialStock} onChange={(e) => set('initialStock', e.target.value)} />
            )}
          </Field>
        </div>
        {auction && (
          <fieldset className="auction-settings">
            <legend>Auction</legend>
            <div className="grid-3">
              <Field label="Starting bid *" errors={errorsFor('auctionSettings.startingBid')}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} inputMode="decimal" aria-describedby={describedBy} aria-invalid={invalid} value={form.startingBid} onChange={(e) => set('startingBid', e.target.value, 'auctionSettings.startingBid')} />
                )}
              </Field>
              <Field label="Reserve (hidden)" errors={errorsFor('auctionSettings.reservePrice')}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} inputMode="decimal" aria-describedby={describedBy} aria-invalid={invalid} value={form.reservePrice} onChange={(e) => set('reservePrice', e.target.value, 'auctionSettings.reservePrice')} />
                )}
              </Field>
              <Field label="Length (seconds)" errors={errorsFor('auctionSettings.duration')}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} inputMode="numeric" aria-describedby={describedBy} aria-invalid={invalid} value={form.auctionSeconds} onChange={(e) => set('auctionSeconds', e.target.value, 'auctionSettings.duration')} />
                )}
              </Field>
            </div>
            <Field
              label="Buy-now price (optional)"
              errors={errorsFor('auctionSettings.buyNowPrice')}
              hint={sug?.minimum ? `At least ${formatMoney(sug.minimum)}` : undefined}
              suffix={
                sug?.suggested ? (
                  <button type="button" className="btn btn-small" onClick={() => set('buyNowPrice', moneyInputText(sug.suggested), 'auctionSettings.buyNowPrice')}>
                    Use suggested {formatMoney(sug.suggested)}
                  </button>
                ) : undefined
              }
            >
              {({ id, describedBy, invalid }) => (
                <input id={id} inputMode="decimal" aria-describedby={describedBy} aria-invalid={invalid} value={form.buyNowPrice} onChange={(e) => set('buyNowPrice', e.target.value, 'auctionSettings.buyNowPrice')} />
              )}
            </Field>
          </fieldset>
        )}
        {fields.length > 0 && (
          <fieldset className="params">
            <legend>{type?.name} details</legend>
            <div className="grid-2">
              {fields.map((f) => (
                <ParamInput
                  key={f.key}
                  field={f}
                  value={form.params[f.key]}
                  errors={errorsFor(f.name, touched.has(f.name) || submitted ? localCheck(f, form.params[f.key], form.currency) : null)}
                  onChange={(v) => setParam(f.key, v)}
                />
              ))}
            </div>
          </fieldset>
        )}
        <div className="grid-3">
          <Field label="Shipping profile *" errors={errorsFor('shippingProfileId')}>
            {({ id, describedBy, invalid }) => (
              <select id={id} aria-describedby={describedBy} aria-invalid={invalid} value={form.shippingProfileId} onChange={(e) => set('shippingProfileId', e.target.value)}>
                {profileList.length === 0 && <option value="">None yet</option>}
                {profileList.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Weight (g)" errors={errorsFor('weightGrams')}>
            {({ id, describedBy, invalid }) => (
              <input id={id} inputMode="numeric" aria-describedby={describedBy} aria-invalid={invalid} value={form.weightGrams} onChange={(e) => set('weightGrams', e.target.value)} />
            )}
          </Field>
          <Field label="Limit per buyer" errors={errorsFor('purchaseLimit.maxQuantityPerUser')}>
            {({ id, describedBy, invalid }) => (
              <input id={id} inputMode="numeric" aria-describedby={describedBy} aria-invalid={invalid} value={form.maxPerUser} onChange={(e) => set('maxPerUser', e.target.value, 'purchaseLimit')} />
            )}
          </Field>
        </div>
        <div className="checks">
          <label>
            <input type="checkbox" checked={form.listNow} onChange={(e) => set('listNow', e.target.checked, 'status')} /> On sale now (otherwise a draft only you see)
          </label>
          <label>
            <input type="checkbox" checked={pin} onChange={(e) => setPin(e.target.checked)} disabled={!form.listNow} /> Feature it on screen (pin)
          </label>
        </div>
      </form>
    </Modal>
  );
}
