// The portal sessions projection applied set-wise: however the log is cut into batches (a session's start, actions
// and ends in different batches, each merged into rows an earlier batch wrote), the rows are those of one batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/eventstore/index.ts';
import { portalSessionsProjection } from '../../src/projections/channels/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { portalSessionsSpecs } from '../conformance/projection-specs/portal-sessions.specs.ts';
import { asLogged } from '../conformance/projection-specs/given-events.ts';
import { query } from '../helpers/sql.ts';
import { storeTargets, type StoreTarget } from '../helpers/test-stores.ts';

const given = portalSessionsSpecs.flatMap((s) => s.given);
const logged = asLogged(given);

describe.each(storeTargets())('portal sessions projection batches on $name', (target: StoreTarget) => {
  let rt: Runtime;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const created = await target.create();
    cleanup = created.cleanup;
    rt = await openRuntime(created.config, 'vitest', { registry: [portalSessionsProjection] });
  });
  afterAll(async () => {
    await rt?.close();
    await cleanup?.();
  });

  const rowsAfter = async (batches: LoggedEvent[][]) => {
    await query(rt.store, 'TRUNCATE portal_sessions, portal_session_actions');
    for (const batch of batches) await rt.store.readModels.transaction().execute((trx) => portalSessionsProjection.apply(trx, batch.filter((e) => portalSessionsProjection.handles.includes(e.type))));
    const sessions = await query(rt.store, 'SELECT * FROM portal_sessions ORDER BY session_id');
    const actions = await query(rt.store, 'SELECT * FROM portal_session_actions ORDER BY session_id, event_id');
    return JSON.stringify([sessions.rows, actions.rows], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  };

  it('gives the rows of one batch for every cut into two batches, and for one event per batch', async () => {
    const whole = await rowsAfter([logged]);
    expect(whole).toContain('"end_reason":"idle"');
    for (let cut = 1; cut < logged.length; cut++) expect(await rowsAfter([logged.slice(0, cut), logged.slice(cut)]), `cut at ${cut}`).toBe(whole);
    expect(await rowsAfter(logged.map((e) => [e]))).toBe(whole);
  });
});
