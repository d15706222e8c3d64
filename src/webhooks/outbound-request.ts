import dns, { type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { refusedAddress, refusedOutboundUrl, type OutboundAllowList } from '../core/outbound-url.js';

/** Resolves a host name as `dns.lookup` does; tests give a resolver of their own. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for sockets that resolves the name, then refuses to connect when any address it
 * resolved to is internal and not allowed: the check happens on the address actually dialled.
 */
type LookupCallback = (error: Error | null, address?: string | LookupAddress[], family?: number) => void;

function guardedLookup(allow: OutboundAllowList, resolve: Resolver): LookupFunction {
  const lookup = (
    hostname: string,
    options: LookupOneOptions | LookupAllOptions,
    callback: LookupCallback,
  ) => {
    const fail = (message: string, code: string) => callback(Object.assign(new Error(message), { code }));
    resolve(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
        for (const a of usable) {
          const reason = refusedAddress(hostname, a.address, allow);
          if (reason) return fail(`${hostname} resolved to ${reason}`, 'EREFUSED');
        }
        if (usable.length === 0) return fail(`${hostname} has no address`, 'ENOTFOUND');
        if ((options as LookupAllOptions).all) return callback(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: unknown) => callback(error as Error),
    );
  };
  return lookup as unknown as LookupFunction;
}

export interface OutboundOptions {
  timeoutMs: number;
  allow: OutboundAllowList;
  resolve?: Resolver;
}

/**
 * POSTs a body to an outbound URL under the outbound rules: http(s) only, no internal address
 * unless allowed (checked on the URL and again on the resolved address), no redirects followed.
 * Resolves with the status code; rejects with a reason when refused or unreachable.
 */
export function postOutbound(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: OutboundOptions,
): Promise<number> {
  const refused = refusedOutboundUrl(url, options.allow);
  if (refused) return Promise.reject(new Error(`refused: ${url} ${refused}`));
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allow, options.resolve ?? systemResolver),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', (error: Error) =>
      reject(
        error.name === 'AbortError' || error.name === 'TimeoutError'
          ? new Error(`no answer within ${options.timeoutMs / 1000} s`)
          : error,
      ),
    );
    request.end(body);
  });
}
