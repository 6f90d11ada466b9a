import { ReactNode, useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import { ApiError, networkStatus } from './api';
import { formatMoney } from './money';

const STATUS_LABELS: Record<string, string> = {
  not_sent: 'Not sent',
  awaiting_acceptance: 'Awaiting acceptance',
  exporting: 'Exporting',
  failed_to_export: 'Failed to export',
  awaiting_posting: 'Awaiting posting',
  synced: 'Synced',
  importing: 'Import in progress',
};

export const ERP_NAMES: Record<string, string> = { cmic: 'CMiC', sage300cre: 'Sage 300 CRE', quickbooks: 'QuickBooks Online', acumatica: 'Acumatica Cloud ERP' };
export const erpName = (system: string | null) => (system ? (ERP_NAMES[system] ?? system) : '—');

export const statusLabel = (status: string) => STATUS_LABELS[status] ?? status;

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}

export function Money({ amount }: { amount: string | null | undefined }) {
  return <span className="money" data-amount={amount ?? ''}>{formatMoney(amount)}</span>;
}

/** What went wrong, in the service's words, with every field it named. */
export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div role="alert" className="error">
      <p>{message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((d, i) => (
            <li key={i}>
              {d.path ? <strong>{d.path}: </strong> : null}
              {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The message a service gave for one field, shown beside that field. */
export function FieldError({ error, field, id }: { error: unknown; field: string; id?: string }) {
  const message = error instanceof ApiError ? error.forField(field) : null;
  if (!message) return null;
  return (
    <span className="field-error" id={id} role="alert">
      {message}
    </span>
  );
}

/** A labelled input; the service's message for its field appears next to it. */
export function Field(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: unknown;
  field?: string;
  type?: string;
  placeholder?: string;
  required?: boolean;
  inputMode?: 'decimal' | 'numeric' | 'text';
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hasError = props.error instanceof ApiError && props.field ? Boolean(props.error.forField(props.field)) : false;
  return (
    <label className="field" htmlFor={id}>
      <span>{props.label}</span>
      <input
        id={id}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        required={props.required}
        inputMode={props.inputMode}
        aria-invalid={hasError || undefined}
        aria-describedby={hasError ? errorId : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.field ? <FieldError error={props.error} field={props.field} id={errorId} /> : null}
    </label>
  );
}

/**
 * A modal dialog (the browser's own <dialog>: focus stays inside, Escape closes); focus returns to
 * what opened it.
 */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const closed = () => {
      onClose();
      if (opener.current instanceof HTMLElement) opener.current.focus();
    };
    dialog.addEventListener('close', closed);
    return () => dialog.removeEventListener('close', closed);
  }, [onClose]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} className="dialog">
      {open && (
        <>
          <h2 id={titleId}>{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}

/** A "?" beside a greyed-out button: every reason it is not available. */
export function WhyNot({ label, reasons }: { label: string; reasons: { code: string; message: string }[] }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  if (reasons.length === 0) return null;
  return (
    <span className="why-not">
      <button type="button" className="help" aria-label={`Why is ${label} not available?`} aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        ?
      </button>
      {open && (
        <ul id={id} role="tooltip" className="tooltip">
          {reasons.map((r) => (
            <li key={r.code} data-code={r.code}>
              {r.message}
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}

/** Shown while the platform cannot be reached; the queries keep retrying underneath. */
export function NetworkBanner() {
  const down = useSyncExternalStore(networkStatus.subscribe, networkStatus.isDown);
  if (!down) return null;
  return (
    <div role="status" className="banner">
      The platform cannot be reached. Retrying…
    </div>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString();
}
