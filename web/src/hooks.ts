import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads `path` from the API (again whenever it changes); `null` loads nothing. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) {
      setState({ loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api.get<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) =>
        live &&
        setState({
          error: error instanceof ApiError ? error : new ApiError(0, 'internal', String(error)),
          loading: false,
        }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Sets the document title for a page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Warden`;
  }, [title]);
}

export interface LoadedAll<T> extends Loaded<T[]> {
  /** True when the last page still pointed further (more than `maxPages` pages). */
  truncated: boolean;
}

/**
 * Loads every page of a cursor-paged list (`{items, nextPageToken?}`), at most `maxPages` pages,
 * and hands the items over once all have arrived. `null` loads nothing.
 */
export function useApiAll<T>(path: string | null, maxPages = 20): LoadedAll<T> {
  const [state, setState] = useState<{ data?: T[]; error?: ApiError; loading: boolean; truncated: boolean }>({
    loading: true,
    truncated: false,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) {
      setState({ loading: false, truncated: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    const join = path.includes('?') ? '&' : '?';
    void (async () => {
      const items: T[] = [];
      let token: string | undefined;
      let pages = 0;
      try {
        do {
          const page = await api.get<{ items: T[]; nextPageToken?: string }>(
            token ? `${path}${join}pageToken=${encodeURIComponent(token)}` : path,
          );
          if (!live) return;
          items.push(...page.items);
          token = page.nextPageToken;
          pages += 1;
        } while (token && pages < maxPages);
        setState({ data: items, loading: false, truncated: token !== undefined });
      } catch (error) {
        if (live)
          setState({
            error: error instanceof ApiError ? error : new ApiError(0, 'internal', String(error)),
            loading: false,
            truncated: false,
          });
      }
    })();
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, truncated: state.truncated };
}
