import type { Command } from 'commander';
import { isErrorCode, WardenError } from '../core/errors.js';

/** Connection options every client command accepts. */
export interface ClientOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** Adds --url, --token and --json to a client command. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'Warden server URL (default $WARDEN_URL or http://127.0.0.1:8080)')
    .option('--token <token>', 'API token (default $WARDEN_TOKEN)')
    .option('--json', 'print the exact JSON answer');
}

/** A thin client of the HTTP API; errors come back as WardenError with the server's code. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = (options.url ?? process.env.WARDEN_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    this.token = options.token ?? process.env.WARDEN_TOKEN;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  async raw(
    method: string,
    path: string,
    init: { body?: RequestInit['body']; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers: this.headers(init.headers),
        ...(init.body !== undefined ? { body: init.body, duplex: 'half' } : {}),
      });
    } catch (error) {
      throw new WardenError(
        'unavailable',
        `cannot reach Warden at ${this.baseUrl}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
      );
    }
    if (!response.ok) {
      let code: unknown = 'internal';
      let message = `${response.status} ${response.statusText}`;
      let field: string | undefined;
      try {
        const body = (await response.json()) as {
          error?: { code?: unknown; message?: string; field?: string };
        };
        code = body.error?.code ?? code;
        message = body.error?.message ?? message;
        field = body.error?.field;
      } catch {
        // not JSON: keep the status line
      }
      throw new WardenError(isErrorCode(code) ? code : 'internal', message, field);
    }
    return response;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.raw(method, path, {
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    return (await response.json()) as T;
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
    const qs = params.toString();
    return this.request<T>('GET', qs ? `${path}?${qs}` : path);
  }
}

/** Path segment escaping for names and versions in URLs. */
export const seg = (value: string) => encodeURIComponent(value);
