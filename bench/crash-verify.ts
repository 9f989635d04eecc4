// The crash bench's store side: a throwaway PostgreSQL database, and the checks of a stopped store against what the
// clients were told (every acknowledged event once, every acknowledged journey there, read models equal to a rebuild).
import { narrow } from '../src/projections/runner/read-model-db.ts';
import pg from 'pg';
import type { StoreConfig } from '../src/eventstore/index.ts';
import { readCheckpoint } from '../src/projections/runner/checkpoints.ts';
import { PROJECTIONS } from '../src/projections/registry.ts';
import { rebuildProjections } from '../src/projections/runner/rebuild.ts';
import { poolOf } from '../src/eventstore/postgres/index.ts';

const READ_MODEL_TABLES = PROJECTIONS.flatMap((p) => p.tables);
import { openRuntime, type Runtime } from '../src/runtime.ts';
import { cleanups, databaseUrl, log, PG_ADMIN_URL } from './bench-harness.ts';
import type { Ledger } from './crash-clients.ts';

const DB_PREFIX = 'threadline_bench_';

const dropBenchDatabase = async (name: string) => {
  // Only a database this bench could have made: never a real one, whatever the name given.
  if (!name.startsWith(DB_PREFIX) || !/^[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop database ${name}: its name does not start with ${DB_PREFIX}`);
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
};

export const createCrashDatabase = async (keep: boolean): Promise<{ name: string; url: string }> => {
  const name = `${DB_PREFIX}crash_${process.pid}`;
  await dropBenchDatabase(name); // left over by an earlier run that had this pid
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  if (!keep) {
    cleanups.push(async () => {
      await dropBenchDatabase(name);
      log(`dropped database ${name}`);
    });
  }
  return { name, url: databaseUrl(name) };
};

// ---------------------------------------------------------------------------------------------------------------
const jsonOf = (row: Record<string, unknown>) =>
  JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const ORDER: Record<string, string> = {
  tracking_events: 'guid, event_id',
  journey_summary: 'guid',
  journey_transitions: 'guid, seq',
  journey_paths: 'guid',
};
/** A table's primary key columns (every projection's table has one), for the tables not named in ORDER. */
const primaryKeyOf = async (rt: Runtime, table: string) => {
  const { rows } = await poolOf(rt.store).query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [table],
  );
  if (rows.length === 0) throw new Error(`read model table ${table} has no primary key to compare its rows by`);
  return rows.map((r) => r.name).join(', ');
};
const snapshot = async (rt: Runtime) => {
  const out: Record<string, string[]> = {};
  for (const t of READ_MODEL_TABLES) {
    ORDER[t] ??= await primaryKeyOf(rt, t);
    out[t] = (await poolOf(rt.store).query<Record<string, unknown>>(`SELECT * FROM ${t} ORDER BY ${ORDER[t]}`)).rows.map(jsonOf);
  }
  return out;
};
/** The rows that differ, by key, with the columns that differ where a key is in both. */
const compareSnapshots = (live: Record<string, string[]>, rebuilt: Record<string, string[]>) => {
  const diffs: string[] = [];
  for (const t of READ_MODEL_TABLES) {
    const keyCols = ORDER[t]!.split(', ');
    const byKey = (rows: string[]) => {
      const m = new Map<string, { json: string; row: Record<string, unknown> }>();
      for (const json of rows) {
        const row = JSON.parse(json) as Record<string, unknown>;
        m.set(keyCols.map((c) => String(row[c])).join(' / '), { json, row });
      }
      return m;
    };
    const a = byKey(live[t]!);
    const b = byKey(rebuilt[t]!);
    const differing: string[] = [];
    for (const [key, x] of a) {
      const y = b.get(key);
      if (!y) differing.push(`${t} ${key}: only live`);
      else if (y.json !== x.json) {
        const cols = [...new Set([...Object.keys(x.row), ...Object.keys(y.row)])].filter((c) => JSON.stringify(x.row[c]) !== JSON.stringify(y.row[c]));
        differing.push(`${t} ${key}: ${cols.map((c) => `${c} live ${JSON.stringify(x.row[c])?.slice(0, 200)}, rebuilt ${JSON.stringify(y.row[c])?.slice(0, 200)}`).join('; ')}`);
      }
    }
    for (const key of b.keys()) if (!a.has(key)) differing.push(`${t} ${key}: only after the rebuild`);
    diffs.push(...differing.slice(0, 5));
    if (differing.length > 5) diffs.push(`${t}: ${differing.length} rows differ in all`);
  }
  return diffs;
};

export interface Verdict {
  storedEvents: number;
  lost: string[];
  storedTwice: string[];
  storedUnacknowledged: number;
  foreign: number;
  lostJourneys: string[];
  journeysTwice: string[];
  projectedAfterStop: number;
  checkpointBehind: string;
  quarantined: number;
  rows: Record<string, number>;
  rebuildDiffs: string[];
}

/** Opens the stopped store in-process and checks it against the ledger. */
export const verify = async (config: StoreConfig, l: Ledger, selfCheck = false): Promise<Verdict> => {
  const rt = await openRuntime(config, 'threadline crash-bench verify');
  try {
    const q = async <T extends Record<string, unknown>>(text: string) => (await poolOf(rt.store).query<T>(text)).rows;
    if (selfCheck) {
      // The checks must be able to fail: an acknowledgement the store never saw, and a second copy of a stored event.
      l.ackEvent('crash-self-check-never-stored', l.guids[0]!);
      await q(`INSERT INTO emt_messages (stream_id, stream_position, partition, message_kind, message_data, message_metadata, message_schema_version, message_type, message_id, is_archived, transaction_id)
        SELECT stream_id, stream_position + 1000000, partition, message_kind, message_data, message_metadata, message_schema_version, message_type, message_id || '-copy', is_archived, pg_current_xact_id()
        FROM emt_messages WHERE message_type = 'TrackingEventLogged' ORDER BY global_position LIMIT 1`);
    }
    const stored = new Map<string, { stream: string; n: number }[]>();
    for (const r of await q<{ event_id: string; stream_id: string; n: number }>(
      `SELECT message_data->>'event_id' AS event_id, stream_id, count(*)::int AS n FROM emt_messages WHERE message_type = 'TrackingEventLogged' GROUP BY 1, 2`,
    )) {
      stored.set(r.event_id, [...(stored.get(r.event_id) ?? []), { stream: r.stream_id, n: r.n }]);
    }
    const lost: string[] = [];
    for (const [id, guid] of l.ackedEvents) {
      const where = stored.get(id) ?? [];
      if (!where.some((w) => w.stream === `journey-${guid}`)) lost.push(`${id} (journey ${guid}; stored in ${where.map((w) => w.stream).join(', ') || 'no stream'})`);
    }
    const storedTwice = [...stored].filter(([, w]) => w.length > 1 || w[0]!.n > 1).map(([id, w]) => `${id}: ${w.map((x) => `${x.n}× in ${x.stream}`).join(', ')}`);
    const storedUnacknowledged = [...stored.keys()].filter((id) => !l.ackedEvents.has(id)).length;
    const foreign = [...stored.keys()].filter((id) => !l.issuedEvents.has(id)).length;

    const created = await q<{ stream_id: string; vin: string; n: number }>(
      `SELECT stream_id, message_data->>'vin' AS vin, count(*)::int AS n FROM emt_messages WHERE message_type = 'JourneyCreated' GROUP BY 1, 2`,
    );
    const streams = new Set(created.map((c) => c.stream_id));
    const lostJourneys = l.guids.filter((g) => !streams.has(`journey-${g}`));
    const byVin = new Map<string, string[]>();
    for (const c of created) byVin.set(c.vin, [...(byVin.get(c.vin) ?? []), c.stream_id]);
    const journeysTwice = [
      ...created.filter((c) => c.n > 1).map((c) => `${c.stream_id} created ${c.n}×`),
      ...[...byVin].filter(([, s]) => s.length > 1).map(([vin, s]) => `risk event of VIN ${vin} has ${s.length} journeys: ${s.join(', ')}`),
    ];

    // The server's projection should have caught up before it stopped; what is left is projected here by the same runner.
    const cp = await readCheckpoint(narrow(rt.db), rt.store.log, 'journeys');
    const [{ n: total } = { n: 0 }] = await q<{ n: number }>('SELECT count(*)::int AS n FROM emt_messages WHERE is_archived = FALSE');
    const checkpointBehind = `checkpoint events_processed ${cp?.eventsProcessed ?? 0} of ${total} events in the log`;
    let projectedAfterStop = 0;
    await rt.projections.catchUp((_name, n) => (projectedAfterStop = Math.max(projectedAfterStop, n)));
    const [{ n: quarantined } = { n: 0 }] = await q<{ n: number }>('SELECT count(*)::int AS n FROM projection_quarantine');

    // ... and a read model row that a rebuild would not produce.
    if (selfCheck) await q(`UPDATE journey_summary SET total_events = total_events + 1 WHERE guid = (SELECT min(guid) FROM journey_summary)`);
    const live = await snapshot(rt);
    const rows = Object.fromEntries(Object.entries(live).map(([t, r]) => [t, r.length]));
    log(`rebuilding the read models from ${total} events`);
    await rebuildProjections({ readModels: rt.store.readModels, log: rt.store.log }, PROJECTIONS);
    const rebuildDiffs = compareSnapshots(live, await snapshot(rt));
    return { storedEvents: stored.size, lost, storedTwice, storedUnacknowledged, foreign, lostJourneys, journeysTwice, projectedAfterStop, checkpointBehind, quarantined, rows, rebuildDiffs };
  } finally {
    await rt.close();
  }
};

