import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';

export const fmt = (n: number): string => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${Math.round(n)} B`);
export const when = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }) : '');

/** A text field of a submitted form. */
export const field = (f: FormData, name: string): string => {
  const v = f.get(name);
  return typeof v === 'string' ? v : '';
};

export interface Toast {
  id: number;
  text: string;
  /** An action that takes the change back (Undo). */
  undo?: () => void;
}
export type Notify = (text: string, undo?: () => void) => void;
export const ToastContext = createContext<Notify>(() => undefined);
export const useNotify = (): Notify => useContext(ToastContext);

/** Short messages after an action, read out by screen readers; each with Undo where the action can be taken back. */
export function Toasts(props: { toasts: Toast[]; dismiss: (id: number) => void }) {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {props.toasts.map((t) => (
        <div class="toast" key={t.id} data-testid="toast">
          <span>{t.text}</span>
          {t.undo && <button onClick={() => { t.undo?.(); props.dismiss(t.id); }}>Undo</button>}
          <button class="plain" aria-label="Dismiss" onClick={() => props.dismiss(t.id)}>×</button>
        </div>
      ))}
    </div>
  );
}

/** A modal question (native dialog: Esc closes it, focus stays inside). */
export function Confirm(props: { title: string; children: ComponentChildren; action: string; onConfirm: () => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} class="card dialog" aria-labelledby="dialog-title" onClose={props.onClose}>
      <h2 id="dialog-title">{props.title}</h2>
      {props.children}
      <div class="actions">
        <button class="danger" onClick={() => { ref.current?.close(); props.onConfirm(); }}>{props.action}</button>
        <button onClick={() => ref.current?.close()} autofocus>Cancel</button>
      </div>
    </dialog>
  );
}

/** Copies a value to the clipboard (with a fallback where the Clipboard API is not offered: plain HTTP). */
export function CopyButton(props: { value: string; what: string }) {
  const notify = useNotify();
  const copy = async (e: Event) => {
    e.stopPropagation();
    try {
      await navigator.clipboard.writeText(props.value);
    } catch {
      const area = document.createElement('textarea');
      area.value = props.value;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    notify(`Copied the ${props.what}: ${props.value}`);
  };
  return (
    <button class="plain small" aria-label={`Copy ${props.what} ${props.value}`} onClick={(e) => void copy(e)} onKeyDown={(e) => e.stopPropagation()}>
      Copy
    </button>
  );
}
