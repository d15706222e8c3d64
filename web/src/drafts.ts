import { useCallback, useState } from 'preact/hooks';

/**
 * Half-typed comments, kept in the browser's localStorage until they are sent, so a reload, a
 * server restart or an ended session does not lose them. Each is keyed by the principal, the page
 * and the entity it is about; signing out forgets them all. No credential is ever stored here.
 */
const PREFIX = 'warden.draft.';

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage disabled: drafts live only as long as the page
  }
}

function read(key: string): string {
  try {
    return storage()?.getItem(PREFIX + key) ?? '';
  } catch {
    return '';
  }
}

function write(key: string, value: string): void {
  try {
    if (value) storage()?.setItem(PREFIX + key, value);
    else storage()?.removeItem(PREFIX + key);
  } catch {
    // full or disabled storage: the draft stays in the page
  }
}

/**
 * A text field's value that survives a reload: `[value, set, clear]`. `key` names the principal,
 * page and entity (`mia/change-request/cr_1`); `clear` forgets it once it has been applied.
 */
export function useDraft(key: string): [string, (value: string) => void, () => void] {
  const [state, setState] = useState(() => ({ key, value: read(key) }));
  // A new entity on the same page (a link followed) brings its own draft.
  const value = state.key === key ? state.value : read(key);
  const set = useCallback(
    (value: string) => {
      write(key, value);
      setState({ key, value });
    },
    [key],
  );
  const clear = useCallback(() => set(''), [set]);
  return [value, set, clear];
}

/** Forgets every draft (on sign-out: the next person at this browser sees none of them). */
export function clearDrafts(): void {
  const s = storage();
  if (!s) return;
  try {
    for (const key of Object.keys(s)) if (key.startsWith(PREFIX)) s.removeItem(key);
  } catch {
    // nothing more to do
  }
}
