/** The dashboard's only way to the server: the public /api/v1, authenticated by the session cookie. */

export interface Session {
  principal: string;
  roles: string[];
  csrfToken: string | null;
  expiresAt: string | null;
}

/** A refusal or failure from the API, with its reason in words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** What the API adds to its reason (the versions an ambiguous record id names, say). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onSignedOut: ((reason: string) => void) | undefined;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the API answers 401: the session ended, so the app goes back to sign-in. */
export function onSessionEnded(handler: (reason: string) => void): void {
  onSignedOut = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    // A read changes nothing; a write may have reached the server before the connection broke.
    throw new ApiError(
      0,
      'unavailable',
      method === 'GET'
        ? 'The server could not be reached.'
        : 'The server could not be reached: whether this change was applied is not known.',
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null; // not JSON: a proxy's page, say; the status speaks for it
  }
  if (!response.ok) {
    const error = (
      parsed as {
        error?: { code?: string; message?: string; field?: string; details?: Record<string, unknown> };
      } | null
    )?.error;
    const apiError = new ApiError(
      response.status,
      error?.code ?? 'internal',
      error?.message ?? `The server answered ${response.status}.`,
      error?.field,
      error?.details,
    );
    if (response.status === 401 && path !== '/sessions') onSignedOut?.(apiError.message);
    throw apiError;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/**
 * POSTs a JSON body and saves the binary answer (a zip, say) as a file named `filename`; a
 * refusal throws an ApiError with the API's reason in words.
 */
export async function download(path: string, body: unknown, filename: string): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: 'POST',
      headers,
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'unavailable', 'The server could not be reached.');
  }
  if (!response.ok) {
    let error: { code?: string; message?: string; field?: string } | undefined;
    try {
      error = ((await response.json()) as { error?: typeof error }).error;
    } catch {
      error = undefined;
    }
    if (response.status === 401) onSignedOut?.(error?.message ?? 'The session ended.');
    throw new ApiError(
      response.status,
      error?.code ?? 'internal',
      error?.message ?? `The server answered ${response.status}.`,
      error?.field,
    );
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const enc = encodeURIComponent;
