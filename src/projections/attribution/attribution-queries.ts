// Reads journey_paths for attribution and conversion prediction (outreach journeys: conversion is SCHEDULED).
// Everything it needs is in the journey-paths projection's own table.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { AttributionInput, PathGroup } from '../../domain/attribution/journey-attribution.ts';
import { analyticRead, type Window } from '../runner/read-model-db.ts';
import { guidOfDealers, type DealerFilter } from '../runner/dealer-filter.ts';
import type { AttributionTables, JourneyPathsTable } from './journey-paths-schema.ts';

type ReadModels = AttributionTables;

const KIND = 'outreach';


const groups = (rows: { path: string[]; journeys: number; value: number | null }[]): PathGroup[] =>
  rows.map((r) => ({ channels: r.path, journeys: Number(r.journeys), value: Number(r.value ?? 0) }));

/**
 * Everything attribution needs over a window, aggregated in SQL (a million journeys become a few thousand
 * distinct paths): journeys converted in [start, end) by their touches before the conversion, with their
 * time-decay credits summed; and journeys created then that did not convert, with touches (the nulls).
 */
export const loadAttributionInput = async (db: Kysely<ReadModels>, w: Window, withTimeDecay: boolean, dealers: DealerFilter = null) => {
  // Three aggregates, each in an analytic read on a connection of its own where the pool has several.
  const ofDealers = dealers ? guidOfDealers('p.guid', dealers) : sql<boolean>`true`;
  const inWindow = (q: Kysely<ReadModels>) => q
    .selectFrom('journey_paths as p')
    .where('p.kind', '=', KIND)
    .where('p.converted', '=', true)
    .where('p.converted_at', '>=', w.start)
    .where('p.converted_at', '<', w.end)
    .where(ofDealers);
  const [converted, nulls, decay] = await Promise.all([
    analyticRead(db, (trx) => inWindow(trx)
      .select([
        'p.path',
        sql<number>`count(*)::int`.as('journeys'),
        sql<number>`coalesce(sum(p.value), 0)::float8`.as('value'),
      ])
      .groupBy('p.path')
      .execute()),
    analyticRead(db, (trx) => trx
      .selectFrom('journey_paths as p')
      .select(['p.path', sql<number>`count(*)::int`.as('journeys'), sql<number>`0::float8`.as('value')])
      .where('p.kind', '=', KIND)
      .where('p.converted', '=', false)
      .where('p.created_at', '>=', w.start)
      .where('p.created_at', '<', w.end)
      .where(sql<boolean>`cardinality(p.path) > 0`)
      .where(ofDealers)
      .groupBy('p.path')
      .execute()),
    withTimeDecay
      ? analyticRead(db, (trx) => inWindow(trx)
          .innerJoin(sql<{ key: string; share: number }>`jsonb_each_text(p.time_decay_shares)`.as('d'), (j) => j.onTrue())
          .select([
            sql<string>`d.key`.as('channel'),
            sql<number>`sum(d.value::float8)`.as('conversions'),
            sql<number>`sum(d.value::float8 * coalesce(p.value, 0)::float8)`.as('value'),
          ])
          .groupBy(sql`d.key`)
          .execute())
      : Promise.resolve([]),
  ]);
  const all = groups(converted);
  const input: AttributionInput = {
    converted: all.filter((g) => g.channels.length > 0),
    nonConverted: groups(nulls),
    timeDecay: Object.fromEntries(decay.map((d) => [d.channel, { conversions: Number(d.conversions), value: Number(d.value) }])),
  };
  return {
    input,
    convertedJourneys: all.reduce((a, g) => a + g.journeys, 0),
    nonConvertingJourneys: input.nonConverted.reduce((a, g) => a + g.journeys, 0),
  };
};

const finished = (eb: ExpressionBuilder<ReadModels & { p: JourneyPathsTable }, 'p'>) =>
  eb.or([
    eb('p.converted', '=', true),
    eb.and([eb('p.current_state', 'in', ['CLOSED', 'ABANDONED']), eb(sql<number>`cardinality(p.path)`, '>', 0)]),
  ]);

/** Finished outreach journeys to fit the conversion model on, grouped by path: converted ones, and closed or abandoned ones with touches. */
export const loadTrainingGroups = async (db: Kysely<ReadModels>) => {
  const rows = await analyticRead(db, (trx) => trx
    .selectFrom('journey_paths as p')
    .select(['p.path', 'p.converted', sql<number>`count(*)::int`.as('journeys'), sql<number>`0::float8`.as('value')])
    .where('p.kind', '=', KIND)
    .where(finished)
    .groupBy(['p.path', 'p.converted'])
    .execute());
  return { converted: groups(rows.filter((r) => r.converted)), nulls: groups(rows.filter((r) => !r.converted)) };
};

const openJourneys = (db: Kysely<ReadModels>, state: string | undefined, dealers: DealerFilter) => {
  let q = db
    .selectFrom('journey_paths as p')
    .where('p.kind', '=', KIND)
    .where('p.converted', '=', false)
    .where('p.current_state', '<>', 'CLOSED');
  if (state) q = q.where('p.current_state', '=', state);
  if (dealers) q = q.where(guidOfDealers('p.guid', dealers));
  return q;
};

/** The distinct paths of open outreach journeys (not converted, not CLOSED), with how many journeys have each. */
export const loadOpenPathGroups = async (db: Kysely<ReadModels>, state?: string, dealers: DealerFilter = null) =>
  groups(
    await analyticRead(db, (trx) => openJourneys(trx, state, dealers)
      .select(['p.path', sql<number>`count(*)::int`.as('journeys'), sql<number>`0::float8`.as('value')])
      .groupBy('p.path')
      .execute()),
  );

/**
 * The fewest most probable paths that hold `limit` open journeys, with every path tied at the cut (journeys of
 * equal probability are ranked by GUID). None when that is every path anyway.
 */
const pathsHoldingTop = (scored: ScoredPath[], limit: number): ScoredPath[] | null => {
  const ranked = [...scored].sort((a, b) => b.probability - a.probability);
  let held = 0;
  let taken = 0;
  while (taken < ranked.length && (held < limit || ranked[taken]!.probability === ranked[taken - 1]!.probability)) held += ranked[taken++]!.journeys;
  return taken < ranked.length ? ranked.slice(0, taken) : null;
};

interface ScoredPath {
  channels: string[];
  probability: number;
  /** Open journeys on this path when it was scored. */
  journeys: number;
}

/**
 * The open journeys most likely to convert: each distinct path's probability is computed once, and the
 * database sorts the journeys by it. Only the journeys of the most probable paths are sorted (a million open
 * journeys sit on a few hundred paths), unless journeys moved since the paths were counted and those paths
 * no longer hold `limit` of them.
 */
export const topOpenJourneys = async (db: Kysely<ReadModels>, scored: ScoredPath[], limit: number, state?: string, dealers: DealerFilter = null) => {
  const ranked = (paths: ScoredPath[]) => {
    const keys = paths.map((s) => s.channels.join('\u001f'));
    const probabilities = paths.map((s) => s.probability);
    return analyticRead(db, (trx) => openJourneys(trx, state, dealers)
      .innerJoin(sql<{ k: string; probability: number }>`(SELECT * FROM unnest(${keys}::text[], ${probabilities}::float8[]) AS u(k, probability))`.as('pr'), (j) =>
        j.on(sql`array_to_string(p.path, chr(31))`, '=', sql.ref('pr.k')),
      )
      .select(['p.guid', 'p.current_state', 'p.path', sql<number>`pr.probability`.as('probability')])
      .orderBy(sql`pr.probability`, 'desc')
      .orderBy('p.guid')
      .limit(limit)
      .execute());
  };
  if (scored.length === 0) return [];
  const top = pathsHoldingTop(scored, limit);
  if (top) {
    const rows = await ranked(top);
    if (rows.length >= limit) return rows;
  }
  return ranked(scored);
};

/** One journey's path row, for the journey query (read inside its snapshot). */
export const getJourneyPathRow = (db: Kysely<ReadModels>, guid: string) =>
  db.selectFrom('journey_paths').select(['guid', 'touches', 'path', 'converted_at', 'value']).where('guid', '=', guid).executeTakeFirst();

export type JourneyPathRow = NonNullable<Awaited<ReturnType<typeof getJourneyPathRow>>>;
