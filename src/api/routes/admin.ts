// Operators' routes: what the projections set aside.
import { Router } from 'express';
import { listQuarantine } from '../../projections/quarantine.ts';
import type { AppDeps } from '../deps.ts';

/** Where app.ts mounts this router (the OpenAPI test reads it too). */
export const MOUNT_PATH = '/api/v2/admin';

export const adminRoutes = (deps: AppDeps): Router => {
  const router = Router();

  /** Events a projection could not apply, oldest first, with the error; `threadline rebuild` tries them again. */
  router.get('/quarantine', async (_req, res) => {
    res.json({ quarantined: await listQuarantine(deps.db) });
  });

  return router;
};
