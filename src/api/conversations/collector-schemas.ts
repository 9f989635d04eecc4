// The collector routes' path parameters and answers, as the OpenAPI document shows them.
import { z } from 'zod';
import { isGuid } from '../../domain/journeys/index.ts';

export const handoffParams = z.strictObject({
  guid: z.string().refine(isGuid, 'not a Threadline GUID').meta({ description: 'The conversation\u2019s GUID', example: 'FORD-2024-12-07-CNV-CHT-DET001-A7B9C2' }),
});

export const handoffAnswer = z.object({
  token: z.string().meta({ description: 'A JWT (HS256) the web view sends to POST /api/v2/collect; it allows appending web-view events to this journey only' }),
  url: z.string().nullable().meta({ description: 'The web view\u2019s address with the token in its fragment (#tl_token=...), when `url` was given' }),
  expires_at: z.string(),
  guid: z.string(),
  webview_id: z.string(),
});

export const collectAnswer = z.object({
  guid: z.string(),
  stored: z.number().int(),
  duplicates: z.number().int(),
  results: z.array(z.object({ id: z.string(), event_id: z.string(), status: z.enum(['stored', 'duplicate']) })),
});
