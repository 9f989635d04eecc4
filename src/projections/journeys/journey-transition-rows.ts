// The journey_transitions rows of a batch: moves appended or revised per journey, planned in memory, written set-wise.
import { sql, type Insertable, type Kysely } from 'kysely';
import type { TimelineEntry } from '../../domain/journeys/journey-events.ts';
import { recordsetWriter } from '../runner/recordset-writer.ts';
import { JOURNEY_TRANSITION_COLUMNS, type JourneysTables, type JourneyTransitionsTable } from './journeys-schema.ts';

export type TransitionRow = Insertable<JourneyTransitionsTable> & { seq: number; entered_at: Date; left_at: Date | null };

const writeRows = recordsetWriter<TransitionRow>('journey_transitions', JOURNEY_TRANSITION_COLUMNS);

/** One journey's timeline rows as a batch changes them. */
interface JourneyRows {
  /** The last seq of the timeline as it stands now. */
  lastSeq: number;
  /** The highest seq already in the table. */
  storedMax: number;
  /** Rows to insert. */
  pending: Map<number, TransitionRow>;
  /** Stored rows whose stay now ends at this time (null: open again). */
  closes: Map<number, Date | null>;
  /** Stored rows above this seq are deleted (a revision replaced them). */
  deleteAbove: number | null;
}

/** A timeline move, or a journey's initial state (trigger 'created'). */
type RowSource = Omit<TimelineEntry, 'from' | 'trigger' | 'fact_id'> & { from: string | null; trigger: TimelineEntry['trigger'] | 'created' };

export const transitionRow = (guid: string, t: RowSource, seq: number, stringify: (v: unknown) => string): TransitionRow => ({
  guid,
  seq,
  from_state: t.from,
  to_state: t.to,
  entered_at: new Date(t.at),
  left_at: null,
  duration_ms: null,
  trigger: t.trigger,
  cause_event_id: t.cause_event_id,
  reason: t.reason,
  metadata: t.metadata ? stringify(t.metadata) : null,
});

export interface TransitionPlan {
  /** A journey created in this batch: its initial row is seq 0. */
  created(guid: string, initial: TransitionRow): void;
  /** A journey already in the table, whose last stored seq is `lastSeq`. */
  stored(guid: string, lastSeq: number): void;
  /** Moves added at the end; returns the seq of the first. */
  append(guid: string, entries: readonly TimelineEntry[]): number;
  /** The first `keep` moves stand (seq 1..keep), the rest are `entries`; returns the seq of the first entry. */
  revise(guid: string, keep: number, entries: readonly TimelineEntry[]): number;
  write(trx: Kysely<JourneysTables>): Promise<void>;
}

export const planTransitions = (stringify: (v: unknown) => string): TransitionPlan => {
  const journeys = new Map<string, JourneyRows>();
  const of = (guid: string) => {
    const j = journeys.get(guid);
    if (!j) throw new Error(`journey ${guid} has no timeline in this batch`);
    return j;
  };
  /** Ends the stay in row `seq` at `at` (null: it is the current state again). */
  const close = (j: JourneyRows, seq: number, at: Date | null) => {
    const row = j.pending.get(seq);
    if (!row) {
      if (seq <= j.storedMax) j.closes.set(seq, at);
      return;
    }
    row.left_at = at === null ? null : new Date(Math.max(at.getTime(), row.entered_at.getTime()));
    row.duration_ms = row.left_at === null ? null : row.left_at.getTime() - row.entered_at.getTime();
  };
  const add = (guid: string, j: JourneyRows, entries: readonly TimelineEntry[]) => {
    const first = j.lastSeq + 1;
    for (const t of entries) {
      const seq = j.lastSeq + 1;
      const row = transitionRow(guid, t, seq, stringify);
      close(j, j.lastSeq, row.entered_at);
      j.pending.set(seq, row);
      j.lastSeq = seq;
    }
    return first;
  };
  return {
    created(guid, initial) {
      journeys.set(guid, { lastSeq: 0, storedMax: -1, pending: new Map([[0, initial]]), closes: new Map(), deleteAbove: null });
    },
    stored(guid, lastSeq) {
      journeys.set(guid, { lastSeq, storedMax: lastSeq, pending: new Map(), closes: new Map(), deleteAbove: null });
    },
    append: (guid, entries) => add(guid, of(guid), entries),
    revise(guid, keep, entries) {
      const j = of(guid);
      for (const seq of [...j.pending.keys()]) if (seq > keep) j.pending.delete(seq);
      for (const seq of [...j.closes.keys()]) if (seq > keep) j.closes.delete(seq);
      if (j.storedMax > keep) j.deleteAbove = Math.min(j.deleteAbove ?? keep, keep);
      j.lastSeq = keep;
      close(j, keep, null);
      return add(guid, j, entries);
    },
    async write(trx) {
      const deletes = [...journeys].flatMap(([guid, j]) => (j.deleteAbove === null ? [] : [{ guid, above: j.deleteAbove }]));
      if (deletes.length > 0) {
        await sql`DELETE FROM journey_transitions AS t USING unnest(${deletes.map((d) => d.guid)}::text[], ${deletes.map((d) => d.above)}::int[]) AS d(guid, above)
                   WHERE t.guid = d.guid AND t.seq > d.above`.execute(trx);
      }
      await writeRows(trx, [...journeys.values()].flatMap((j) => [...j.pending.values()]));
      const closes = [...journeys].flatMap(([guid, j]) => [...j.closes].map(([seq, at]) => ({ guid, seq, at })));
      if (closes.length > 0) {
        // One statement for every stored row the batch closed (or opened again), instead of one per row.
        await sql`UPDATE journey_transitions AS t
                     SET left_at = CASE WHEN c.left_at IS NULL THEN NULL ELSE GREATEST(c.left_at, t.entered_at) END,
                         duration_ms = CASE WHEN c.left_at IS NULL THEN NULL
                                            ELSE (EXTRACT(EPOCH FROM GREATEST(c.left_at, t.entered_at) - t.entered_at) * 1000)::bigint END
                    FROM unnest(${closes.map((c) => c.guid)}::text[], ${closes.map((c) => c.seq)}::int[], ${closes.map((c) => c.at)}::timestamptz[])
                         AS c(guid, seq, left_at)
                   WHERE t.guid = c.guid AND t.seq = c.seq`.execute(trx);
      }
    },
  };
};
