import type { ReactNode } from 'react';
import { Modal } from './Modal';

interface Props {
  title: string;
  /** The irreversible step's button, e.g. "Cancel order"; `busyLabel` while it runs. */
  confirmLabel: string;
  busyLabel: string;
  busy: boolean;
  /** Further reasons to hold the button back (a confirmation not typed yet). */
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  /** The error of the last attempt, shown as an alert. */
  error?: string;
  children: ReactNode;
}

/** A question before something that cannot be undone: "Keep it" or the danger button. It cannot
 * be closed while the step runs. */
export function ConfirmModal({ title, confirmLabel, busyLabel, busy, confirmDisabled, onConfirm, onClose, error, children }: Props) {
  const close = () => !busy && onClose();
  return (
    <Modal
      title={title}
      onClose={close}
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={close} disabled={busy}>
            Keep it
          </button>
          <button type="button" className="btn btn-danger" onClick={onConfirm} disabled={busy || confirmDisabled}>
            {busy ? busyLabel : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}
