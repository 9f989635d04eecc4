// API keys as users know them from GitHub and Stripe: `tl_<live|test>_` + 22 base62 characters (131 random bits)
// + a 6-character base62 CRC-32 checksum, so that a typo is refused without a database lookup.

export const KEY_ENVIRONMENTS = ['live', 'test'] as const;
export type KeyEnvironment = (typeof KEY_ENVIRONMENTS)[number];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 22 base62 characters hold 22·log2(62) ≈ 131 bits. */
export const KEY_SECRET_LENGTH = 22;
export const KEY_CHECKSUM_LENGTH = 6;
/** How much of a key is stored and shown to identify it: `tl_live_` + the first 4 secret characters. */
export const KEY_DISPLAY_SECRET_CHARS = 4;
/** Random bytes a key needs: rejection sampling keeps base62 unbiased, so take plenty. */
export const KEY_RANDOM_BYTES = 64;

const KEY_PATTERN = /^tl_(live|test)_([0-9A-Za-z]{22})([0-9A-Za-z]{6})$/;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const crc32 = (text: string): number => {
  let c = 0xffffffff;
  for (let i = 0; i < text.length; i++) c = CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

const base62 = (n: number, width: number): string => {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
};

/** The checksum of a key's body (`tl_live_` + secret): CRC-32 in 6 base62 characters (62^6 > 2^32). */
export const keyChecksum = (body: string): string => base62(crc32(body), KEY_CHECKSUM_LENGTH);

/**
 * A new key from CSPRNG bytes the caller supplies (the domain does no I/O): base62 by rejection sampling (bytes
 * of 248 and above are skipped, so every character is equally likely).
 */
export const formatApiKey = (environment: KeyEnvironment, random: Uint8Array): string => {
  let secret = '';
  for (const byte of random) {
    if (byte >= 248) continue;
    secret += BASE62[byte % 62];
    if (secret.length === KEY_SECRET_LENGTH) break;
  }
  if (secret.length < KEY_SECRET_LENGTH) throw new Error(`formatApiKey needs more random bytes (give ${KEY_RANDOM_BYTES})`);
  const body = `tl_${environment}_${secret}`;
  return body + keyChecksum(body);
};

export type ParsedKey = { ok: true; environment: KeyEnvironment; displayPrefix: string } | { ok: false; reason: 'not_a_key' | 'bad_checksum' };

/** Whether a string is a well-formed key with a correct checksum (no lookup), and its display prefix. */
export const parseApiKey = (key: string): ParsedKey => {
  const m = KEY_PATTERN.exec(key);
  if (!m) return { ok: false, reason: 'not_a_key' };
  const [, environment, secret, checksum] = m as unknown as [string, KeyEnvironment, string, string];
  if (keyChecksum(`tl_${environment}_${secret}`) !== checksum) return { ok: false, reason: 'bad_checksum' };
  return { ok: true, environment, displayPrefix: `tl_${environment}_${secret.slice(0, KEY_DISPLAY_SECRET_CHARS)}` };
};
