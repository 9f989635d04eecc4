// A reservation stream (`guid-request-<hash>` for a risk event, `guid-idempotency-<hash>` for a key): which GUID
// the first request for that key was given, and the fingerprint of that request. Hashes only, no PII.
import { z } from 'zod';

export type GuidReserved = { type: 'GuidReserved'; data: { guid: string; fingerprint: string } };

const schema = z.looseObject({ guid: z.string(), fingerprint: z.string() });

export const decodeGuidReserved = (data: unknown): GuidReserved['data'] => {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new Error(`A stored GUID reservation cannot be read: ${parsed.error.message}`);
  return parsed.data;
};
