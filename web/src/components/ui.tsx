import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** The API's reason in words; never a stack trace. */
export function ErrorBox({ error, action }: { error: ApiError | string; action?: string }) {
  const message = typeof error === 'string' ? error : error.message;
  return (
    <div class="error" role="alert">
      {action ? <strong>{action}: </strong> : null}
      {message}
    </div>
  );
}

const TONES: Record<string, string> = {
  critical: 'bad',
  high: 'bad',
  medium: 'warn',
  low: 'info',
  ok: 'good',
  production: 'good',
  approved: 'good',
  executed: 'good',
  resolved: 'good',
  passed: 'good',
  staging: 'info',
  in_review: 'warn',
  requested: 'warn',
  open: 'bad',
  acknowledged: 'warn',
  rejected: 'bad',
  failed: 'bad',
  deprecated: 'muted',
  archived: 'muted',
  withdrawn: 'muted',
  expired: 'muted',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  return <span class={`badge ${TONES[value] ?? 'neutral'}`}>{label ?? value.replace(/_/g, ' ')}</span>;
}

export function Section({
  title,
  children,
  id,
}: {
  title: string;
  children: ComponentChildren;
  id?: string;
}) {
  return (
    <section class="card" aria-labelledby={id ?? slug(title)}>
      <h2 id={id ?? slug(title)}>{title}</h2>
      {children}
    </section>
  );
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A definition list of label → value pairs. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Number(value.toPrecision(digits)).toString();
}

/** A table's head: one row of column headers, in order. */
export function ColumnHeads({ names }: { names: readonly string[] }) {
  return (
    <thead>
      <tr>
        {names.map((name) => (
          <th scope="col" key={name}>
            {name}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A scrollable wrapper so wide tables stay usable on narrow screens. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
