import { useId, type ReactNode } from 'react';

interface Props {
  label: string;
  errors?: string[];
  hint?: string;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
  suffix?: ReactNode;
}

/** A labelled form field with its hint and errors wired to the input (aria-describedby,
 * aria-invalid); errors are announced as they appear. */
export function Field({ label, errors, hint, children, suffix }: Props) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const invalid = !!errors && errors.length > 0;
  const describedBy = [hint ? hintId : '', invalid ? errId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${invalid ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        {children({ id, describedBy, invalid })}
        {suffix}
      </div>
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      <div id={errId} aria-live="polite">
        {invalid && errors!.map((e, i) => <p key={i} className="field-error">{e}</p>)}
      </div>
    </div>
  );
}
