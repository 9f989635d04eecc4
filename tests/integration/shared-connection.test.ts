// The embedded store says when its one connection is in use, so that projection batches can let requests go first;
// PostgreSQL, with a pool of connections, does not.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/runtime.ts';
import { storeTargets, useFreshStore } from '../helpers/test-stores.ts';

describe.each(storeTargets())('the connection on $name', (target) => {
  const rt = useFreshStore(target, (config) => openRuntime(config, 'vitest'));

  it(target.name === 'pglite' ? 'is busy while a transaction holds it or a query waits, and free after' : 'is not reported: many connections', async () => {
    const busy = rt().store.connectionBusy;
    if (target.name !== 'pglite') {
      expect(busy).toBeUndefined();
      return;
    }
    expect(busy).toBeDefined();
    expect(busy!()).toBe(false);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const trx = rt().store.readModels.transaction().execute(async (t) => {
      await sql`SELECT 1`.execute(t);
      inside();
      await held;
    });
    await entered;
    expect(busy!()).toBe(true);
    // A query waiting behind the transaction keeps it busy too.
    const waiting = sql`SELECT 1`.execute(rt().store.readModels);
    expect(busy!()).toBe(true);
    release();
    await trx;
    await waiting;
    expect(busy!()).toBe(false);
  });
});
