// `threadline import`: history from NDJSON through the command side, idempotent, every line judged on its own.
import { createHash } from 'node:crypto';
import { isGuid, parseConversation, parseGenerateGuid, parseLogEvent, toTrackingEvent, type TimeBounds, type TrackingEvent, journeyStreamName } from '../../domain/journeys/index.ts';
import { MAX_BODY_DEPTH, textViolations } from '../../domain/shared/payload-limits.ts';
import type { Violation } from '../../domain/shared/violation.ts';
import { issueGuid, journeyCommands, openConversation, type GuidOutcome } from '../../application/journeys/index.ts';
import { pooled } from '../../application/pooled.ts';
import { parseJson, scanJson } from '../../eventstore/lossless-json.ts';
import type { CommandStore } from '../../eventstore/index.ts';

/** One line of the file, with its 1-based number. */
export interface NumberedLine {
  n: number;
  text: string;
  /** Bytes of the file up to the end of this line (for progress). */
  bytes?: number;
}

export interface ImportOptions {
  prefix: string;
  dryRun: boolean;
  bounds: () => TimeBounds;
  /** Journeys written at once. */
  concurrency?: number;
  /** Event lines read before they are grouped by journey and appended (one append per journey per chunk). */
  chunkLines?: number;
  onLine?: (phase: 'journeys' | 'events', line: NumberedLine) => void;
}

export interface ImportReport {
  dry_run: boolean;
  lines: number;
  /** `valid`: lines that passed every check (a dry run stops there); the others are in `rejections`. */
  journeys: { created: number; duplicate: number; valid: number };
  events: { stored: number; duplicate: number; valid: number };
  rejected: number;
  rejections: { line: number; reason: string }[];
}

type Line =
  | { kind: 'blank' }
  /** `event`: the line is an event (its rejection is reported by the events pass). */
  | { kind: 'rejected'; reason: string; event: boolean }
  | { kind: 'journey'; open: (store: CommandStore) => Promise<GuidOutcome>; guid: string | null }
  | { kind: 'event'; event: TrackingEvent };

/** Journeys whose events of a chunk go into one atomic append. */
const JOURNEYS_PER_APPEND = 200;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const reasonOf = (violations: Violation[]) => violations.map((v) => `${v.path}: ${v.message}`).join('; ');

/** Reads one line: what it is, or why it is rejected. Journeys are recognised by `risk_event` (outreach) or their lack of `event_type`. */
export const readLine = (text: string, o: Pick<ImportOptions, 'prefix' | 'bounds'>): Line => {
  if (text.trim() === '') return { kind: 'blank' };
  const scan = scanJson(text);
  if (scan.depth > MAX_BODY_DEPTH) return { kind: 'rejected', reason: `nested deeper than ${MAX_BODY_DEPTH} levels`, event: false };
  let value: unknown;
  try {
    value = parseJson(text, scan);
  } catch (error) {
    return { kind: 'rejected', reason: `not JSON: ${(error as Error).message}`, event: false };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { kind: 'rejected', reason: 'not a JSON object', event: false };
  const fields = value as Record<string, unknown>;
  const isEvent = 'event_type' in fields;
  const bad = textViolations(value);
  if (bad.length > 0) return { kind: 'rejected', reason: reasonOf(bad), event: isEvent };
  const bounds = o.bounds();
  if (isEvent) {
    const parsed = parseLogEvent(fields, bounds);
    if (!parsed.ok) return { kind: 'rejected', reason: reasonOf(parsed.violations), event: true };
    // Without an event_id, the line's own hash is its id: importing the same file again stores nothing twice.
    return { kind: 'event', event: toTrackingEvent(parsed.value, bounds.now.toISOString(), () => `import-${sha256(text.trim()).slice(0, 40)}`) };
  }
  const { guid, ...body } = fields;
  if (guid !== undefined && (typeof guid !== 'string' || !isGuid(guid))) return { kind: 'rejected', reason: 'guid: not a Threadline GUID (PREFIX-YYYY-MM-DD-CCC-SSS-DEALER-XXXXXX)', event: false };
  const kept = (guid as string | undefined) ?? null;
  const common = { prefix: o.prefix, idempotencyKey: null, now: bounds.now, guid: kept };
  if ('risk_event' in body || 'vin' in body) {
    const parsed = parseGenerateGuid(body, bounds);
    if (!parsed.ok) return { kind: 'rejected', reason: reasonOf(parsed.violations), event: false };
    const { vin, dealer_code, customer_id, risk_event } = parsed.value;
    return { kind: 'journey', guid: kept, open: (store) => issueGuid(store, { ...common, vin, dealer_code, customer_id: customer_id ?? null, risk_event }) };
  }
  const parsed = parseConversation(body, bounds);
  if (!parsed.ok) return { kind: 'rejected', reason: reasonOf(parsed.violations), event: false };
  const { channel, dealer_code, customer_id, started_at } = parsed.value;
  // A conversation has no natural key: without its GUID, the line itself is its idempotency key.
  const idempotencyKey = kept ? null : `import:${sha256(text.trim())}`;
  return {
    kind: 'journey',
    guid: kept,
    open: (store) => openConversation(store, { ...common, idempotencyKey, channel, dealer_code, customer_id: customer_id ?? null, started_at: started_at ?? null }),
  };
};

/**
 * Two passes over the file: journeys first (so events may come before their journey's line), then events in
 * chunks, one append per journey per chunk. A bad line is reported with its number and never stops the others.
 */
export const importHistory = async (store: CommandStore, lines: () => AsyncIterable<NumberedLine>, o: ImportOptions): Promise<ImportReport> => {
  const concurrency = o.concurrency ?? 8;
  const chunkLines = o.chunkLines ?? 2000;
  const report: ImportReport = {
    dry_run: o.dryRun,
    lines: 0,
    journeys: { created: 0, duplicate: 0, valid: 0 },
    events: { stored: 0, duplicate: 0, valid: 0 },
    rejected: 0,
    rejections: [],
  };
  const reject = (line: number, reason: string) => {
    report.rejected++;
    report.rejections.push({ line, reason });
  };
  const declared = new Set<string>();

  let journeys: { n: number; line: Extract<Line, { kind: 'journey' }> }[] = [];
  const flushJourneys = async () => {
    const batch = journeys;
    journeys = [];
    if (o.dryRun) return;
    await pooled(batch, concurrency, async ({ n, line }) => {
      const outcome = await line.open(store);
      if (!outcome.ok) {
        report.journeys.valid--;
        reject(n, `${outcome.error.code}: ${outcome.error.message}`);
      }
      else if (outcome.created) report.journeys.created++;
      else report.journeys.duplicate++;
    });
  };
  for await (const l of lines()) {
    report.lines = Math.max(report.lines, l.n);
    o.onLine?.('journeys', l);
    const line = readLine(l.text, o);
    if (line.kind === 'rejected' && !line.event) reject(l.n, line.reason);
    if (line.kind !== 'journey') continue;
    report.journeys.valid++;
    if (line.guid) declared.add(line.guid);
    journeys.push({ n: l.n, line });
    if (journeys.length >= chunkLines) await flushJourneys();
  }
  await flushJourneys();

  let events: { n: number; event: TrackingEvent }[] = [];
  const known = new Map<string, boolean>();
  const exists = async (guid: string) => {
    if (declared.has(guid)) return true;
    if (!known.has(guid)) known.set(guid, await store.eventStore.streamExists(journeyStreamName(guid)));
    return known.get(guid)!;
  };
  const flushEvents = async () => {
    const byGuid = new Map<string, { n: number; event: TrackingEvent }[]>();
    for (const e of events) byGuid.set(e.event.guid, [...(byGuid.get(e.event.guid) ?? []), e]);
    events = [];
    const refuse = (items: { n: number }[], reason: string) => {
      report.events.valid -= items.length;
      for (const { n } of items) reject(n, reason);
    };
    const groups = [...byGuid];
    if (o.dryRun) {
      await pooled(groups, concurrency, async ([guid, items]) => {
        if (!(await exists(guid))) refuse(items, `unknown_guid: no journey with GUID ${guid} in the store or in this file`);
      });
      return;
    }
    // Journeys in groups, each group one atomic append (where the store has it): far fewer commits than one per journey.
    const slices: (typeof groups)[] = [];
    for (let i = 0; i < groups.length; i += JOURNEYS_PER_APPEND) slices.push(groups.slice(i, i + JOURNEYS_PER_APPEND));
    await pooled(slices, 2, async (slice) => {
      const outcomes = await journeyCommands.executeMany(store, slice.map(([guid, items]) => ({ id: guid, command: { type: 'LogEvents', data: { events: items.map((x) => x.event) } } })));
      slice.forEach(([, items], k) => {
        const outcome = outcomes[k]!;
        if (!outcome.ok) return refuse(items, `${outcome.error.code}: ${outcome.error.message}`);
        const stored = new Set(outcome.events.flatMap((e) => (e.type === 'TrackingEventLogged' ? [e.data.event_id] : [])));
        for (const { event } of items) {
          if (stored.delete(event.event_id)) report.events.stored++;
          else report.events.duplicate++;
        }
      });
    });
  };
  for await (const l of lines()) {
    o.onLine?.('events', l);
    // Only a line holding this key can be an event; the others were judged by the first pass.
    if (!l.text.includes('"event_type"')) continue;
    const line = readLine(l.text, o);
    if (line.kind === 'rejected' && line.event) reject(l.n, line.reason);
    if (line.kind !== 'event') continue;
    report.events.valid++;
    events.push({ n: l.n, event: line.event });
    if (events.length >= chunkLines) await flushEvents();
  }
  await flushEvents();
  report.rejections.sort((a, b) => a.line - b.line);
  return report;
};
