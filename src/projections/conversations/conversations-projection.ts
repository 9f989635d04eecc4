// The conversations projection: keeps each conversation's events (compacted) in its own log table and, per batch,
// folds every touched conversation again from its whole log (foldConversation), then replaces its fact rows set-wise:
// one delete and one insert per table per batch. Folding the whole list each time is what makes late and
// out-of-order events, and replay, come out the same by construction; it reads no other projection's tables.
import { sql, type Insertable, type Kysely } from 'kysely';
import { compactEvent, foldConversation, openingOf, type ConversationItem, type ConversationOpening } from '../../domain/conversations/index.ts';
import { journeyBatch } from '../../domain/journeys/index.ts';
import { stringifyJson, type LoggedEvent } from '../../eventstore/index.ts';
import type { ProjectionDefinition } from '../runner/projection.ts';
import { addFactRows, emptyFactRows, type FactRows } from './conversation-rows.ts';
import { CONVERSATION_FACT_TABLES, CONVERSATIONS_TABLES, createConversationsSchema, type ConversationLogTable, type ConversationsTables } from './conversations-schema.ts';

const CHUNK = 1000;
const OPENING = 0;
const EVENT = 1;
const EXPLICIT = 2;

type LogRow = Insertable<ConversationLogTable>;

/** The batch's items as log rows, per GUID (every journey's: which ones are conversations is known after the read). */
const batchRows = (events: LoggedEvent[]): Map<string, LogRow[]> => {
  const rows = new Map<string, LogRow[]>();
  const add = (guid: string, kind: number, item_id: string, body: unknown) => {
    const list = rows.get(guid) ?? [];
    list.push({ guid, kind, item_id, body: stringifyJson(body) });
    rows.set(guid, list);
  };
  for (const { guid, event } of journeyBatch(events).items) {
    if (event.type === 'JourneyCreated') {
      if (event.data.kind === 'conversation') add(guid, OPENING, '', openingOf(event.data));
    } else if (event.type === 'TrackingEventLogged') {
      add(guid, EVENT, event.data.event_id, compactEvent(event.data));
    } else if (event.type === 'JourneyTransitioned' && event.data.trigger === 'explicit') {
      const move = { to: event.data.to, at: event.data.at, ...(event.data.fact_id ? { fact_id: event.data.fact_id } : {}) };
      add(guid, EXPLICIT, event.data.fact_id ?? `${event.data.at}|${event.data.to}`, move);
    }
  }
  return rows;
};

/** A conversation's opening and items from its log rows (the stored ones and the batch's). */
const inputOf = (rows: readonly Pick<LogRow, 'kind' | 'body'>[]): { opening: ConversationOpening | null; items: ConversationItem[] } => {
  let opening: ConversationOpening | null = null;
  const items: ConversationItem[] = [];
  for (const r of rows) {
    const body: unknown = JSON.parse(r.body);
    if (r.kind === OPENING) opening = body as ConversationOpening;
    else if (r.kind === EVENT) items.push({ kind: 'event', event: body as Extract<ConversationItem, { kind: 'event' }>['event'] });
    else items.push({ kind: 'explicit', move: body as Extract<ConversationItem, { kind: 'explicit' }>['move'] });
  }
  return { opening, items };
};

const insertChunks = async <T extends keyof ConversationsTables>(trx: Kysely<ConversationsTables>, table: T, rows: Insertable<ConversationsTables[T]>[]) => {
  for (let i = 0; i < rows.length; i += CHUNK) await trx.insertInto(table).values(rows.slice(i, i + CHUNK) as never).execute();
};

export const projectConversations = async (db: Kysely<unknown>, events: LoggedEvent[]): Promise<void> => {
  const trx = db as Kysely<ConversationsTables>;
  const fresh = batchRows(events);
  if (fresh.size === 0) return;
  // A GUID is a conversation when it has an opening, in the batch or stored: read what the batch's journeys have.
  const known = [...fresh.keys()].filter((g) => !fresh.get(g)!.some((r) => r.kind === OPENING));
  const stored = new Map<string, Pick<LogRow, 'kind' | 'item_id' | 'body'>[]>();
  if (known.length > 0) {
    const rows = await trx.selectFrom('conversation_log').select(['guid', 'kind', 'item_id', 'body']).where(sql<boolean>`guid = ANY(${known}::text[])`).execute();
    for (const r of rows) stored.set(r.guid, [...(stored.get(r.guid) ?? []), r]);
  }
  const newLog: LogRow[] = [];
  const facts: FactRows = emptyFactRows();
  const touched: string[] = [];
  for (const [guid, rows] of fresh) {
    const before = stored.get(guid) ?? [];
    if (before.length === 0 && !rows.some((r) => r.kind === OPENING)) continue;
    // The stream holds each event once; a row seen before (a batch applied again) is not added twice.
    const seen = new Set(before.map((r) => `${r.kind}|${r.item_id}`));
    const added = rows.filter((r) => !seen.has(`${r.kind}|${r.item_id}`) && seen.add(`${r.kind}|${r.item_id}`));
    newLog.push(...added);
    const { opening, items } = inputOf([...before, ...added]);
    if (!opening) continue;
    touched.push(guid);
    addFactRows(facts, foldConversation(opening, items));
  }
  await insertChunks(trx, 'conversation_log', newLog);
  if (touched.length === 0) return;
  for (const table of CONVERSATION_FACT_TABLES) {
    await trx.deleteFrom(table).where(sql<boolean>`guid = ANY(${touched}::text[])`).execute();
    await insertChunks(trx, table, facts[table] as Insertable<ConversationsTables[typeof table]>[]);
  }
};

export const conversationsProjection: ProjectionDefinition = {
  name: 'conversations',
  version: 1,
  tables: CONVERSATIONS_TABLES,
  createSchema: createConversationsSchema,
  handles: ['JourneyCreated', 'TrackingEventLogged', 'JourneyTransitioned'],
  apply: projectConversations,
};
