import type { FieldDescriptor, RawValue } from '../../products/schemaForm';
import { Field } from '../Field';

interface Props {
  field: FieldDescriptor;
  value: RawValue | undefined;
  errors?: string[];
  onChange: (v: RawValue) => void;
}

/** One schema parameter as the right kind of input. */
export function ParamInput({ field, value, errors, onChange }: Props) {
  const label = field.label + (field.required ? ' *' : '') + (field.unit ? ` (${field.unit})` : field.currency ? ` (${field.currency})` : '');
  if (field.kind === 'boolean') {
    return (
      <div className="field field-check">
        <label>
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} /> {field.label}
        </label>
        {field.help && <p className="field-hint">{field.help}</p>}
        {errors?.map((e, i) => (
          <p key={i} className="field-error" role="alert">
            {e}
          </p>
        ))}
      </div>
    );
  }
  const str = typeof value === 'string' ? value : '';
  return (
    <Field label={label} hint={field.help || undefined} errors={errors}>
      {({ id, describedBy, invalid }) =>
        field.kind === 'choice' ? (
          <select id={id} aria-describedby={describedBy} aria-invalid={invalid} value={str} onChange={(e) => onChange(e.target.value)} required={field.required}>
            <option value="">{field.required ? 'Choose…' : '—'}</option>
            {field.choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            required={field.required}
            inputMode={field.kind === 'integer' ? 'numeric' : field.kind === 'text' ? undefined : 'decimal'}
            maxLength={field.kind === 'text' && field.maxLength ? field.maxLength + 10 : undefined}
            value={str}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}
