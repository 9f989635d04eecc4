// Which IP addresses a webhook may be sent to: only public unicast ones. Pure (no node:net), so the table of ranges
// is unit-tested on its own; the application layer applies it to what DNS answers and to the socket actually opened.

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'cgnat'
  | 'unique_local'
  | 'multicast'
  | 'reserved'
  | 'invalid';

interface V4Range { base: number; bits: number; cls: Exclude<AddressClass, 'public' | 'invalid'> }

const v4 = (dotted: string, bits: number, cls: V4Range['cls']): V4Range => ({ base: parseIPv4(dotted) ?? 0, bits, cls });

// Most specific first: the metadata address sits inside link-local.
const V4_RANGES: readonly V4Range[] = [
  v4('169.254.169.254', 32, 'metadata'),
  v4('0.0.0.0', 8, 'unspecified'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('10.0.0.0', 8, 'private'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.168.0.0', 16, 'private'),
  v4('169.254.0.0', 16, 'link_local'),
  v4('100.64.0.0', 10, 'cgnat'),
  v4('224.0.0.0', 4, 'multicast'),
  // IETF protocol assignments, documentation, benchmarking, 6to4 relay, reserved and broadcast: never a receiver.
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.0.2.0', 24, 'reserved'),
  v4('192.88.99.0', 24, 'reserved'),
  v4('198.18.0.0', 15, 'reserved'),
  v4('198.51.100.0', 24, 'reserved'),
  v4('203.0.113.0', 24, 'reserved'),
  v4('240.0.0.0', 4, 'reserved'),
];

const inRange = (ip: number, r: V4Range): boolean => (r.bits === 0 ? true : ip >>> (32 - r.bits) === r.base >>> (32 - r.bits));

/** Strict dotted quad (what DNS answers): four decimal parts 0-255, no leading zeros. */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

/**
 * The inet_aton forms a resolver or a URL parser may accept for an IPv4 host: 1 to 4 parts, each decimal, octal
 * (leading 0) or hex (0x), the last filling the remaining bytes (`2130706433`, `0x7f.1`, `0177.0.0.1` are 127.0.0.1).
 */
export const parseIPv4Loose = (text: string): number | null => {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return null;
  const values: number[] = [];
  for (const p of parts) {
    const v = /^0x[0-9a-f]*$/i.test(p) ? (p.length === 2 ? 0 : parseInt(p.slice(2), 16)) : /^0[0-7]*$/.test(p) ? parseInt(p, 8) : /^[1-9]\d*$/.test(p) ? Number(p) : NaN;
    if (!Number.isFinite(v)) return null;
    values.push(v);
  }
  const last = values.pop() ?? 0;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return null;
  let n = 0;
  values.forEach((v, i) => (n += v * 256 ** (3 - i)));
  return (n + last) >>> 0;
};

/** Eight 16-bit groups, or null. Accepts `::`, a trailing dotted quad, brackets and a zone (`%eth0`). */
export const parseIPv6 = (input: string): number[] | null => {
  let text = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!text.includes(':')) return null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const quad = parseIPv4(text.slice(lastColon + 1));
    if (quad === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(quad >>> 16).toString(16)}:${(quad & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const group = (s: string) => (s === '' ? [] : s.split(':'));
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const known = head.length + rest.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const fill = new Array<number>(8 - known).fill(0);
  return [...head.map((g) => parseInt(g, 16)), ...(halves.length === 2 ? fill : []), ...rest.map((g) => parseInt(g, 16))];
};

export const classifyIPv4 = (ip: number): AddressClass => V4_RANGES.find((r) => inRange(ip, r))?.cls ?? 'public';

const embeddedV4 = (g: number[], at: number): number => (((g[at] ?? 0) << 16) | (g[at + 1] ?? 0)) >>> 0;

export const classifyIPv6 = (g: number[]): AddressClass => {
  const [a = 0, b = 0] = g;
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address is where the packet goes. IPv4-compatible (::a.b.c.d) is deprecated.
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyIPv4(embeddedV4(g, 6));
  if (zeroUpTo(6)) return 'reserved';
  // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address; 6to4 (2002::/16) carries one in groups 1-2.
  if (a === 0x64 && b === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyIPv4(embeddedV4(g, 6));
  if (a === 0x2002) return classifyIPv4(embeddedV4(g, 1));
  if ((a & 0xffc0) === 0xfe80) return 'link_local';
  if ((a & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((a & 0xfe00) === 0xfc00) return 'unique_local';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  if (a === 0x2001 && b === 0x0db8) return 'reserved'; // documentation
  if (a === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return 'reserved'; // discard-only
  if ((a & 0xe000) !== 0x2000) return 'reserved'; // outside global unicast 2000::/3
  return 'public';
};

/** The class of an IP address in any textual form a resolver or URL might give; `invalid` when it is not one. */
export const classifyAddress = (address: string): AddressClass => {
  const g = parseIPv6(address);
  if (g) return classifyIPv6(g);
  const n = parseIPv4(address) ?? parseIPv4Loose(address);
  return n === null ? 'invalid' : classifyIPv4(n);
};

export const isPublicAddress = (address: string): boolean => classifyAddress(address) === 'public';
