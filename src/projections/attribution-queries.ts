// Reads journey_paths for attribution and conversion prediction (outreach journeys: conversion is SCHEDULED).
import { sql, type Kysely, type Selectable } from 'kysely';
import type { JourneyPath } from '../domain/journey-attribution.ts';
import type { JourneyPathsTable, ReadModels } from './schema.ts';

const KIND = 'outreach';

export interface Window {
  start: Date;
  end: Date;
}

type PathRow = Pick<Selectable<JourneyPathsTable>, 'guid' | 'channels' | 'touch_times' | 'converted_at' | 'value'>;

export const toJourneyPath = (r: PathRow): JourneyPath => ({
  guid: r.guid,
  channels: r.channels,
  times: r.touch_times.map((t) => new Date(t).getTime()),
  convertedAt: r.converted_at ? r.converted_at.getTime() : null,
  value: r.value === null ? 0 : Number(r.value),
});

const pathColumns = ['p.guid', 'p.channels', 'p.touch_times', 'p.converted_at', 'p.value'] as const;

export const getJourneyPath = async (db: Kysely<ReadModels>, guid: string): Promise<JourneyPath | null> => {
  const row = await db.selectFrom('journey_paths as p').select(pathColumns).where('p.guid', '=', guid).executeTakeFirst();
  return row ? toJourneyPath(row) : null;
};

/** Journeys converted in [start, end), and journeys created then that did not convert, with touches (the nulls). */
export const loadAttributionPaths = async (db: Kysely<ReadModels>, w: Window) => {
  const [converted, nulls] = await Promise.all([
    db
      .selectFrom('journey_paths as p')
      .select(pathColumns)
      .where('p.kind', '=', KIND)
      .where('p.converted', '=', true)
      .where('p.converted_at', '>=', w.start)
      .where('p.converted_at', '<', w.end)
      .orderBy('p.guid')
      .execute(),
    db
      .selectFrom('journey_paths as p')
      .select(pathColumns)
      .where('p.kind', '=', KIND)
      .where('p.converted', '=', false)
      .where('p.created_at', '>=', w.start)
      .where('p.created_at', '<', w.end)
      .where(sql<boolean>`cardinality(p.channels) > 0`)
      .orderBy('p.guid')
      .execute(),
  ]);
  return { converted: converted.map(toJourneyPath), nonConverted: nulls.map(toJourneyPath) };
};

/** Finished outreach journeys to fit the conversion model on: converted ones, and closed or abandoned ones with touches. */
export const loadTrainingPaths = async (db: Kysely<ReadModels>) => {
  const rows = await db
    .selectFrom('journey_paths as p')
    .innerJoin('journey_summary as s', 's.guid', 'p.guid')
    .select([...pathColumns, 'p.converted'])
    .where('p.kind', '=', KIND)
    .where((eb) =>
      eb.or([
        eb('p.converted', '=', true),
        eb.and([eb('s.current_state', 'in', ['CLOSED', 'ABANDONED']), eb(sql<number>`cardinality(p.channels)`, '>', 0)]),
      ]),
    )
    .orderBy('p.guid')
    .execute();
  return { converted: rows.filter((r) => r.converted).map(toJourneyPath), nulls: rows.filter((r) => !r.converted).map(toJourneyPath) };
};

/** Open outreach journeys (not converted, not CLOSED), optionally in one state. */
export const loadOpenPaths = async (db: Kysely<ReadModels>, state?: string) => {
  let q = db
    .selectFrom('journey_paths as p')
    .innerJoin('journey_summary as s', 's.guid', 'p.guid')
    .select([...pathColumns, 's.current_state'])
    .where('p.kind', '=', KIND)
    .where('p.converted', '=', false)
    .where('s.current_state', '<>', 'CLOSED');
  if (state) q = q.where('s.current_state', '=', state);
  const rows = await q.execute();
  return rows.map((r) => ({ path: toJourneyPath(r), current_state: r.current_state }));
};
