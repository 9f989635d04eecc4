// Segment's own limits on its HTTP Tracking API, which its libraries already respect (analytics-node splits batches
// at 480 KB and refuses a message over 32 KB), so a client that works against Segment works here.

export const SEGMENT_LIMITS = {
  /** One message as compact JSON (Segment: 32 KB per call and per message of a batch). */
  messageBytes: 32 * 1024,
  /** A whole /v1/batch body as compact JSON (Segment: 500 KB). */
  batchBytes: 500 * 1024,
  /** Messages in one batch (Segment: 2,500). */
  batchMessages: 2500,
} as const;

/** UTF-8 length of a string, counted without an encoder (a surrogate pair is one 4-byte character). */
const utf8Length = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
};

/**
 * A value's size as compact JSON in bytes, as Segment and analytics-node measure it. An exact integer beyond 2^53
 * (a BigInt after the lossless parse) counts as its digits plus two.
 */
export const jsonBytes = (value: unknown): number =>
  utf8Length(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '');
