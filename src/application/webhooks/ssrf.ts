// Where a webhook may be sent: HTTPS to public addresses only (unless THREADLINE_WEBHOOK_ALLOW_PRIVATE). Checked when
// a URL is saved (checkDestination) and again on the address the socket actually connects to (safeLookup), because
// a name that resolved to a public address at save time may resolve to 127.0.0.1 at send time (DNS rebinding).
import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { classifyAddress, parseIPv4, parseIPv6 } from '../../domain/webhooks/index.ts';

/** Every address a name resolves to (dns.lookup with `all`); injectable so tests can play a rebinding resolver. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export type DestinationCheck = { ok: true; url: URL; addresses: string[] } | { ok: false; reason: string };

/** Why an address may not be called, or null when it may. */
export const refusalOf = (address: string, allowPrivate: boolean): string | null => {
  if (allowPrivate) return null;
  const cls = classifyAddress(address);
  return cls === 'public' ? null : `${address} is a ${cls.replace('_', '-')} address, not a public one`;
};

/** A host that is an IP literal: its address, unbracketed (the URL parser already normalised `0x7f.1` and `2130706433`). */
const literalAddress = (hostname: string): string | null => {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return parseIPv4(bare) !== null || parseIPv6(bare) !== null ? bare : null;
};

export const checkDestination = async (url: string, opts: { allowPrivate: boolean; lookup?: Resolver }): Promise<DestinationCheck> => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (parsed.protocol !== 'https:' && !(opts.allowPrivate && parsed.protocol === 'http:')) {
    return { ok: false, reason: opts.allowPrivate ? 'must be an http or https URL' : 'must be an https URL (plain http is allowed only with THREADLINE_WEBHOOK_ALLOW_PRIVATE=true)' };
  }
  if (parsed.hostname === '') return { ok: false, reason: 'has no host' };
  const literal = literalAddress(parsed.hostname);
  let addresses: string[];
  if (literal !== null) addresses = [literal];
  else {
    try {
      addresses = (await (opts.lookup ?? systemResolver)(parsed.hostname)).map((a) => a.address);
    } catch {
      addresses = [];
    }
    // With private destinations allowed there is nothing to refuse, and the name may resolve only where the
    // sender runs (a compose service name): saved as it is. Otherwise a name that resolves nowhere cannot be vetted.
    if (addresses.length === 0 && !opts.allowPrivate) return { ok: false, reason: `host ${parsed.hostname} does not resolve` };
  }
  // Every address must be allowed: a client may connect to any of them.
  for (const a of addresses) {
    const why = refusalOf(a, opts.allowPrivate);
    if (why) return { ok: false, reason: `resolves to ${why}` };
  }
  return { ok: true, url: parsed, addresses };
};

/** The error a connection through safeLookup fails with when the name resolves somewhere it may not go. */
export class DestinationRefusedError extends Error {
  readonly code = 'ERR_WEBHOOK_DESTINATION_REFUSED';
  constructor(readonly hostname: string, reason: string) {
    super(`webhook destination ${hostname} refused: ${reason}`);
    this.name = 'DestinationRefusedError';
  }
}

const wantsFamily = (family: LookupOptionsFamily, a: LookupAddress): boolean =>
  family === undefined || family === 0 ? true : a.family === (family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : family);

type LookupOptionsFamily = number | 'IPv4' | 'IPv6' | undefined;

/**
 * A `lookup` for http.request / https.request / an Agent: resolves the name, and refuses (an error, so the request
 * fails before any byte is sent) when an address it would connect to is not allowed. The socket connects only to
 * the addresses checked here, so a rebinding between save and send gains nothing. IP-literal hosts never reach a
 * lookup (Node connects to them directly): check those with checkDestination before sending.
 */
export const safeLookup = (allowPrivate: boolean, resolver: Resolver = systemResolver): LookupFunction =>
  (hostname, options, callback) => {
    resolver(hostname).then(
      (all) => {
        const addresses = all.filter((a) => wantsFamily(options.family, a));
        const why = addresses.map((a) => refusalOf(a.address, allowPrivate)).find((r) => r !== null);
        if (why) return callback(new DestinationRefusedError(hostname, why), '', 0);
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 0);
        if (options.all) return callback(null, addresses);
        return callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
