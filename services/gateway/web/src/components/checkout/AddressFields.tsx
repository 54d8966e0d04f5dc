import type { ShippingAddress } from '../../api/types';
import { Field } from '../Field';
import { COUNTRIES } from './testCards';

interface Props {
  value: ShippingAddress;
  onChange: (a: ShippingAddress) => void;
  errors: Record<string, string[]>;
}

/** The shipping address form; field errors from the order service (ADDRESS_INVALID names the
 * part) land on the matching input. */
export function AddressFields({ value, onChange, errors }: Props) {
  const set = (k: keyof ShippingAddress) => (e: { target: { value: string } }) => onChange({ ...value, [k]: e.target.value });
  const text = (k: keyof ShippingAddress, label: string, auto: string, required = true) => (
    <Field label={label + (required ? '' : ' (optional)')} errors={errors[k]}>
      {({ id, describedBy, invalid }) => (
        <input id={id} aria-describedby={describedBy} aria-invalid={invalid} autoComplete={auto} required={required} value={(value[k] as string) ?? ''} onChange={set(k)} />
      )}
    </Field>
  );
  return (
    <fieldset className="address">
      <legend>Shipping address</legend>
      {text('recipientName', 'Full name', 'name')}
      {text('line1', 'Address', 'address-line1')}
      {text('line2', 'Apartment, suite', 'address-line2', false)}
      <div className="grid-2">
        {text('city', 'City', 'address-level2')}
        {text('postalCode', 'Postal code', 'postal-code')}
      </div>
      <div className="grid-2">
        {text('region', 'State / region', 'address-level1', false)}
        <Field label="Country" errors={errors.countryCode}>
          {({ id, describedBy, invalid }) => (
            <select id={id} aria-describedby={describedBy} aria-invalid={invalid} autoComplete="country" value={value.countryCode ?? 'US'} onChange={set('countryCode')}>
              {COUNTRIES.map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
    </fieldset>
  );
}
