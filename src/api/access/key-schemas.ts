// The key-management API's schemas: what a key is made with, and how one is shown (never its hash).
import { z } from 'zod';
import { KEY_ENVIRONMENTS, ROLES } from '../../domain/access/index.ts';
import { dealerCode, isoTime } from '../../domain/journeys/index.ts';

export const dealerScope = z.union([z.literal('all'), z.array(dealerCode).min(1).max(1000)]).meta({ description: '`all`, or the dealer codes the key may see' });

export const createKeyBody = z.strictObject({
  name: z.string().min(1).max(200).meta({ description: 'What the key is for (shown in lists)' }),
  role: z.enum(ROLES),
  dealers: dealerScope,
  environment: z.enum(KEY_ENVIRONMENTS).default('live'),
  expires_at: isoTime.optional().meta({ description: 'After this the key no longer authenticates' }),
});

export const rollKeyBody = z.strictObject({
  grace_seconds: z.number().int().min(0).max(30 * 86_400).default(0).meta({ description: 'How long the old key keeps working (0: dead at once)' }),
});

export const revokeKeyBody = z.strictObject({ reason: z.string().min(1).max(500).default('revoked') });

export const keyParams = z.strictObject({ id: z.string().regex(/^key_[0-9a-f]{16}$/, 'a key id (key_…)') });

export const keyInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  display_prefix: z.string(),
  role: z.enum(ROLES),
  dealers: dealerScope,
  environment: z.enum(KEY_ENVIRONMENTS),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  replaced_by: z.string().nullable(),
  last_used_at: z.string().nullable(),
});

export const keyMade = keyInfoSchema.extend({ key: z.string().meta({ description: 'The key itself: shown this once, never again' }) });
