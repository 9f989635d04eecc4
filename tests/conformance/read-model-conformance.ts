// The read models' conformance suite, run unchanged on every store: each registered projection, given events,
// writes the rows its specs say (alone, without the other projections), and replaying the log gives the rows
// written live, whatever the live batches were (a fixed-seed property over generated journeys).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDemoJourneys } from '../../src/cli/demo-command.ts';
import { PROJECTIONS } from '../../src/projections/registry.ts';
import type { ProjectionDefinition } from '../../src/projections/runner/projection.ts';
import { rebuildProjections } from '../../src/projections/runner/rebuild.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { createProjectionWorkers } from '../../src/workers/projection-workers.ts';
import { query } from '../helpers/sql.ts';
import { useFreshStore, type StoreTarget } from '../helpers/test-stores.ts';
import { GUID, OTHER, type GivenEvent } from './projection-specs/given-events.ts';

/**
 * Given these events (appended in this order), then these rows: `columns` of `table` for the spec's journeys,
 * ordered by those columns. The journeys are named with GUID and OTHER; each spec gets GUIDs of its own, so the
 * specs share one store.
 */
export interface ProjectionSpec {
  title: string;
  given: GivenEvent[];
  then: { table: string; columns: string[]; rows: unknown[][] }[];
}

/** Rows as JSON values: timestamps as ISO strings, int8 as strings, so that a spec reads like the API. */
const plain = (rows: unknown[]) => JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));

/** Every row of every table the projection owns, in a canonical order. */
export const projectionRows = async (rt: Runtime, p: ProjectionDefinition): Promise<Record<string, string[]>> => {
  const out: Record<string, string[]> = {};
  for (const table of p.tables) {
    const { rows } = await query(rt.store, `SELECT * FROM ${table}`);
    out[table] = plain(rows).map((r: unknown) => JSON.stringify(r)).sort();
  }
  return out;
};

const append = async (rt: Runtime, events: GivenEvent[]) => {
  for (const e of events) {
    const { currentStreamVersion } = await rt.store.eventStore.readStream(e.stream);
    await rt.store.eventStore.appendToStream(e.stream, [{ type: e.type, data: e.data }], { expectedStreamVersion: currentStreamVersion });
  }
};

/** The spec with its journeys renamed to GUIDs no other spec uses (the last six hex digits). */
const ownGuids = (spec: ProjectionSpec, n: number): { spec: ProjectionSpec; guids: string[] } => {
  const rename = (guid: string, k: number) => guid.replace(/[0-9A-F]{6}$/, (n * 2 + k).toString(16).toUpperCase().padStart(6, '0'));
  const guids = [GUID, OTHER].map(rename);
  const text = JSON.stringify(spec).replaceAll(GUID, guids[0]!).replaceAll(OTHER, guids[1]!);
  return { spec: JSON.parse(text), guids };
};

const replayed = async (rt: Runtime, projection: ProjectionDefinition) => {
  await rebuildProjections({ readModels: rt.store.readModels, log: rt.store.log }, [projection]);
  return projectionRows(rt, projection);
};

export interface ReadModelConformanceOptions {
  specs: Record<string, ProjectionSpec[]>;
  /** Property runs per projection (each a few generated journeys projected live, then replayed). */
  runs?: number;
  seed?: number;
}

export const runReadModelConformance = (target: StoreTarget, options: ReadModelConformanceOptions) => {
  const seed = options.seed ?? 20261201;
  for (const projection of PROJECTIONS) {
    describe(`read model ${projection.name} on ${target.name}`, () => {
      // Only this projection: it must not lean on another's rows.
      const rt = useFreshStore(target, (config) => openRuntime(config, 'vitest', { registry: [projection] }));
      const specs = options.specs[projection.name] ?? [];
      it('has given/then specs', () => expect(specs.length, `add specs for ${projection.name} in tests/conformance/projection-specs/`).toBeGreaterThan(0));

      specs.forEach((original, n) => {
        it(`given events, then rows: ${original.title}`, async () => {
          const { spec, guids } = ownGuids(original, n);
          await append(rt(), spec.given);
          await rt().projections.catchUp();
          for (const t of spec.then) {
            const cols = t.columns.join(', ');
            const { rows } = await query(rt().store, `SELECT ${cols} FROM ${t.table} WHERE guid = ANY($1) ORDER BY ${cols}`, [guids]);
            expect(plain(rows).map((r: Record<string, unknown>) => t.columns.map((c) => r[c])), `${t.table} (${cols})`).toEqual(t.rows);
          }
          // The same rows again by replay.
          const live = await projectionRows(rt(), projection);
          expect(await replayed(rt(), projection)).toEqual(live);
        });
      });

      it('replaying the log gives the rows projected live, whatever the live batches (property)', async () => {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), async (demoSeed, batchSize, concurrency) => {
            // Live: small batches that straddle journeys, projected while the journeys are written.
            const workers = createProjectionWorkers([projection], { readModels: rt().store.readModels, log: rt().store.log }, { batchSize, lingerMs: 0, pollIntervalMs: 5 });
            workers.start();
            try {
              const guids = await createDemoJourneys(rt().store, { journeys: 6, seed: demoSeed, concurrency, prefix: 'FORD', start: new Date('2026-01-01T00:00:00Z') });
              for (const guid of guids) expect(await workers.waitForStream(`journey-${guid}`, 60_000)).toBe(true);
            } finally {
              await workers.stop();
            }
            const live = await projectionRows(rt(), projection);
            expect(await replayed(rt(), projection)).toEqual(live);
          }),
          { numRuns: options.runs ?? 4, seed, endOnFailure: true },
        );
      });
    });
  }
};
