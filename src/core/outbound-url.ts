import { invalidInput } from './errors.js';
import { BlockList, isIP } from 'node:net';

/**
 * Where Warden may send outbound requests (webhooks, retraining pipelines, consumer notices).
 * Only http and https; never loopback, link-local (the cloud metadata endpoint among them),
 * private, shared, unspecified or multicast addresses unless the operator's allow-list
 * (`WARDEN_WEBHOOK_ALLOW`: host names, addresses or CIDR ranges) names them. A URL is judged
 * when it is stored and again at connect time against the address the name resolved to, so a
 * name that later resolves to an internal address (DNS rebinding) is still refused.
 */

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 embeds IPv4 addresses
  ['2002::', 16], // 6to4 embeds IPv4 addresses
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

/** The operator's allow-list, parsed once from `WARDEN_WEBHOOK_ALLOW`. */
export interface OutboundAllowList {
  hosts: ReadonlySet<string>;
  addresses: BlockList;
}

/**
 * Parses allow-list entries (`hooks.internal`, `10.0.0.7`, `10.1.0.0/16`, `::1`). Returns the
 * list, or throws a message naming the entry that is neither a host name, an address nor a range.
 */
export function parseOutboundAllowList(entries: readonly string[]): OutboundAllowList {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const network = unbracket(entry.slice(0, slash));
      const prefix = Number(entry.slice(slash + 1));
      const family = isIP(network);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
        throw new Error(`"${raw}" is not a CIDR range such as 10.1.0.0/16`);
      addresses.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (isIP(unbracket(entry))) {
      const address = unbracket(entry);
      addresses.addAddress(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry)) {
      hosts.add(entry.replace(/\.$/, ''));
    } else {
      throw new Error(`"${raw}" is not a host name, an address or a CIDR range`);
    }
  }
  return { hosts, addresses };
}

export const NO_OUTBOUND_ALLOWANCES: OutboundAllowList = parseOutboundAllowList([]);

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** An IPv4 address written inside IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = parseInt(hex[2]!, 16);
    return { address: `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, family: 'ipv4' };
  }
  return { address, family: isIP(address) === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether a resolved address is internal (loopback, link-local, private …). */
export function isInternalAddress(address: string): boolean {
  const { address: a, family } = normalise(address);
  return INTERNAL.check(a, family);
}

function allowedAddress(address: string, allow: OutboundAllowList): boolean {
  const { address: a, family } = normalise(address);
  return allow.addresses.check(a, family);
}

/**
 * Why an address Warden is about to connect to is refused, or undefined when it may connect.
 * `host` is the URL's host name, which the allow-list may name instead of the address.
 */
export function refusedAddress(host: string, address: string, allow: OutboundAllowList): string | undefined {
  if (!isInternalAddress(address)) return undefined;
  if (allow.hosts.has(host.toLowerCase().replace(/\.$/, '')) || allowedAddress(address, allow))
    return undefined;
  return `${address} is an internal address (loopback, link-local, private or reserved); name it in WARDEN_WEBHOOK_ALLOW to allow it`;
}

/**
 * Why an outbound URL is refused as written, or undefined when it may be stored. Host names are
 * resolved only at connect time ({@link refusedAddress}); `localhost` names are judged here.
 */
export function refusedOutboundUrl(url: string, allow: OutboundAllowList): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `uses ${parsed.protocol.replace(/:$/, '')}; only http and https URLs are allowed`;
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  const host = unbracket(parsed.hostname.toLowerCase());
  if (isIP(host)) return refusedAddress(host, host, allow);
  const bare = host.replace(/\.$/, '');
  if (bare === 'localhost' || bare.endsWith('.localhost'))
    return allow.hosts.has(bare) ? undefined : refusedAddress(bare, '127.0.0.1', allow);
  return undefined;
}

/** Throws 400 naming `field` when an outbound URL may not be stored under the allow-list entries. */
export function requireOutboundUrl(url: string, allowEntries: readonly string[], field: string): void {
  const reason = refusedOutboundUrl(url, parseOutboundAllowList(allowEntries));
  if (reason) throw invalidInput(`${field} ${reason}`, field);
}
