// The runner's own tables (checkpoints, quarantine, the version each projection's tables were made for), and the
// start-up step that gives every projection the tables its version asks for.
import { Migrator, sql, type ColumnType, type Generated, type Kysely, type Migration } from 'kysely';
import type { ProjectionDefinition } from './projection.ts';

type Int8 = ColumnType<bigint, bigint | string, bigint | string>;

export interface RunnerTables {
  projection_checkpoints: {
    name: string;
    /** The log's own encoding of the position (opaque here). */
    position: string;
    global_position: Int8;
    events_processed: Int8;
    updated_at: Generated<Date>;
  };
  projection_quarantine: {
    projection: string;
    stream_id: string;
    stream_position: Int8;
    global_position: Int8;
    event_type: string;
    error: string;
    quarantined_at: ColumnType<Date, Date | undefined, Date>;
  };
  projection_versions: {
    name: string;
    version: number;
    updated_at: Generated<Date>;
  };
}

const runnerTables: Migration = {
  async up(db: Kysely<unknown>) {
    // Before projections owned their tables, one migration table made every read model (0001-0004) and
    // checkpoints had another shape. Those go; each projection's version check below makes its tables anew and
    // replays the log into them.
    await sql`DROP TABLE IF EXISTS threadline_migrations, threadline_migrations_lock, projection_checkpoints, projection_quarantine CASCADE`.execute(db);
    await sql`
      CREATE TABLE projection_checkpoints (
        name text PRIMARY KEY,
        position text NOT NULL,
        global_position bigint NOT NULL,
        events_processed bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- Events a projection could not apply, with the error: listed in /healthz and /api/v2/admin/quarantine, tried
      -- again by a rebuild.
      CREATE TABLE projection_quarantine (
        projection text NOT NULL,
        stream_id text NOT NULL,
        stream_position bigint NOT NULL,
        global_position bigint NOT NULL,
        event_type text NOT NULL,
        error text NOT NULL,
        quarantined_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, stream_id, stream_position)
      );
      CREATE INDEX projection_quarantine_stream ON projection_quarantine (stream_id);
      CREATE TABLE IF NOT EXISTS projection_versions (
        name text PRIMARY KEY,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `.execute(db);
  },
};

const MIGRATIONS: Record<string, Migration> = { '0001_runner': runnerTables };

/** Drops a projection's tables, its checkpoint and quarantine, and creates the tables empty. */
export const recreateProjection = async (db: Kysely<unknown>, p: ProjectionDefinition): Promise<void> => {
  if (p.tables.length > 0) await sql`DROP TABLE IF EXISTS ${sql.join(p.tables.map((t) => sql.table(t)))} CASCADE`.execute(db);
  await sql`DELETE FROM projection_checkpoints WHERE name = ${p.name}`.execute(db);
  await sql`DELETE FROM projection_quarantine WHERE projection = ${p.name}`.execute(db);
  await p.createSchema(db);
};

/**
 * The runner's migrations, then each projection's tables: created when missing, and made anew (to be filled by
 * replay) when they were made for another version of the projection. Processes starting together take turns.
 */
export const prepareProjections = async (db: Kysely<unknown>, projections: readonly ProjectionDefinition[]): Promise<void> => {
  const { error, results } = await new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'threadline_runner_migrations',
    migrationLockTableName: 'threadline_runner_migrations_lock',
  }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Read-model migration ${failed} failed`, { cause: error });
  }
  for (const p of projections) {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`threadline:projection:${p.name}`}))`.execute(trx);
      const stored = await (trx as unknown as Kysely<RunnerTables>).selectFrom('projection_versions').select('version').where('name', '=', p.name).executeTakeFirst();
      if (stored?.version === p.version) {
        await p.createSchema(trx);
        return;
      }
      await recreateProjection(trx, p);
      await (trx as unknown as Kysely<RunnerTables>)
        .insertInto('projection_versions')
        .values({ name: p.name, version: p.version })
        .onConflict((oc) => oc.column('name').doUpdateSet({ version: p.version, updated_at: new Date() }))
        .execute();
    });
  }
};
