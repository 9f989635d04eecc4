// Operators' routes: what the projections set aside.
import { z } from 'zod';
import { listQuarantine } from '../../projections/runner/quarantine.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { requireAllDealers } from '../http/dealer-scope.ts';
import { route } from '../http/route.ts';

const quarantineAnswer = z.object({
  quarantined: z.array(
    z.object({ projection: z.string(), stream_id: z.string(), stream_position: z.number().int(), global_position: z.number().int(), event_type: z.string(), error: z.string(), quarantined_at: z.string() }),
  ),
});

export const quarantine = route({
  method: 'get',
  path: '/api/v2/admin/quarantine',
  summary: 'Events a projection could not apply, oldest first, with the error',
  description: '`threadline rebuild` tries them again: what a fix made good is applied, what still fails is quarantined again.',
  tags: ['admin'],
  responses: { 200: { description: 'The quarantined events', schema: quarantineAnswer } },
  problems: [],
  scope: 'admin',
  handle: async ({ deps, principal }) => {
    requireAllDealers(principal, 'The quarantine');
    return { status: 200, body: { quarantined: await listQuarantine(narrow(deps.db)) } };
  },
});
