// The web-view funnels projection: keeps a compact copy of the funnel events of each conversation (its own table,
// never another projection's), and per batch folds the touched conversations again from that copy, so that late
// and out-of-order events give the rows one fold of every event gives. Per batch, whatever its size: one insert of
// the new events, one read of the touched conversations' copies, one statement each for their runs and their steps.
import { sql, type Kysely } from 'kysely';
import { funnelEventOf, funnelEventOfCreation, type FunnelEvent } from '../../domain/conversations/index.ts';
import { journeyBatch, journeyStart } from '../../domain/journeys/index.ts';
import type { LoggedEvent } from '../../eventstore/index.ts';
import type { ProjectionDefinition } from '../runner/projection.ts';
import { funnelEventOfRow, funnelRows, insertFunnelEvents, replaceRows, RUN_STEPS, RUNS, type Row } from './webview-funnel-rows.ts';
import { createWebviewFunnelSchema, WEBVIEW_FUNNEL_TABLES, type WebviewFunnelTables } from './webview-funnel-schema.ts';

const eventRow = (guid: string, e: FunnelEvent): Row => ({
  guid,
  event_id: e.id,
  event_type: e.type,
  at: new Date(e.at).toISOString(),
  webview_id: e.webview_id,
  step: e.step,
  step_index: e.step_index,
  reason: e.reason,
  team: e.team,
  department: e.department,
  query_nature: e.query_nature,
});

export const projectWebviewFunnels = async (db: Kysely<unknown>, events: LoggedEvent[]): Promise<void> => {
  const fresh = new Map<string, Row>();
  for (const { guid, event } of journeyBatch(events).items) {
    const e =
      event.type === 'JourneyCreated' ? funnelEventOfCreation(journeyStart(event.data), event.data.categories) : event.type === 'TrackingEventLogged' ? funnelEventOf(event.data) : null;
    if (e) fresh.set(`${guid}|${e.id}`, eventRow(guid, e));
  }
  if (fresh.size === 0) return;
  await insertFunnelEvents(db, [...fresh.values()]);
  const guids = [...new Set([...fresh.values()].map((r) => r.guid as string))];
  const trx = db as Kysely<WebviewFunnelTables>;
  const stored = await trx.selectFrom('webview_funnel_events').selectAll().where(sql<boolean>`guid = ANY(${guids}::text[])`).execute();
  const byGuid = new Map<string, FunnelEvent[]>(guids.map((g) => [g, []]));
  for (const r of stored) byGuid.get(r.guid)!.push(funnelEventOfRow(r));
  const runs: Row[] = [];
  const steps: Row[] = [];
  for (const [guid, list] of byGuid) {
    const rows = funnelRows(guid, list);
    runs.push(...rows.runs);
    steps.push(...rows.steps);
  }
  await replaceRows(db, RUNS, guids, runs);
  await replaceRows(db, RUN_STEPS, guids, steps);
};

export const webviewFunnelsProjection: ProjectionDefinition = {
  name: 'webview-funnels',
  version: 1,
  tables: WEBVIEW_FUNNEL_TABLES,
  createSchema: createWebviewFunnelSchema,
  handles: ['JourneyCreated', 'TrackingEventLogged'],
  apply: projectWebviewFunnels,
};
