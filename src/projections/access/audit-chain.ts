// The chain rule: hash = sha256(prev_hash + "\n" + canonical JSON of the record with its seq), the first record's
// prev_hash being GENESIS_HASH. Changing, removing or moving any record breaks the hashes from there on.
import { createHash } from 'node:crypto';
import type { Insertable, Selectable } from 'kysely';
import { escapeControl, type AuditEntry } from '../../domain/access/index.ts';
import type { AuditTable } from './audit-schema.ts';

/** What the first record follows. */
export const GENESIS_HASH = '0'.repeat(64);

/** A record as stored and exported: the entry, its place in the chain and its hash. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  prev_hash: string;
  hash: string;
}

// A record must never fail its batch: text the database cannot keep (NUL, a lone UTF-16 surrogate, which pg would
// write as U+FFFD, so that the stored text would no longer match its hash) is escaped, and sizes are bounded.
const MAX_TEXT = 2000;
const MAX_OBJECTS = 10_000;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const clean = (text: string): string =>
  escapeControl(text)
    .replace(LONE_SURROGATE, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    .slice(0, MAX_TEXT);
const cleanOrNull = (text: string | null | undefined): string | null => (text == null ? null : clean(String(text)));

/** The entry as it will be stored: escaped, bounded, its time in one ISO form (what timestamptz gives back). */
export const normalizeEntry = (e: AuditEntry, now: () => Date = () => new Date()): AuditEntry => {
  const at = new Date(e.at);
  return {
    at: (Number.isNaN(at.getTime()) ? now() : at).toISOString(),
    source: e.source,
    action: clean(e.action),
    request_id: cleanOrNull(e.request_id),
    actor: e.actor ? { id: clean(e.actor.id), label: clean(e.actor.label), role: clean(e.actor.role), via: clean(e.actor.via) } : null,
    ip: cleanOrNull(e.ip),
    objects: e.objects.slice(0, MAX_OBJECTS).map(clean),
    result: e.result,
    status: Number.isSafeInteger(e.status) ? e.status : null,
    reason: cleanOrNull(e.reason),
  };
};

/** JSON with keys sorted at every depth, so that the same record always hashes alike whoever wrote it. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

const hashedPart = (r: Omit<AuditRecord, 'prev_hash' | 'hash'>): Omit<AuditRecord, 'prev_hash' | 'hash'> => ({
  seq: r.seq,
  at: r.at,
  source: r.source,
  action: r.action,
  request_id: r.request_id,
  actor: r.actor,
  ip: r.ip,
  objects: r.objects,
  result: r.result,
  status: r.status,
  reason: r.reason,
});

export const chainHash = (prevHash: string, record: Omit<AuditRecord, 'prev_hash' | 'hash'>): string =>
  createHash('sha256').update(`${prevHash}\n${canonicalJson(hashedPart(record))}`).digest('hex');

/** A normalized entry sealed at `seq` after `prevHash`. */
export const seal = (entry: AuditEntry, seq: number, prevHash: string): AuditRecord => ({ ...entry, seq, prev_hash: prevHash, hash: chainHash(prevHash, { ...entry, seq }) });

export const toRow = (r: AuditRecord): Insertable<AuditTable> => ({
  seq: r.seq,
  at: r.at,
  source: r.source,
  action: r.action,
  request_id: r.request_id,
  actor_id: r.actor?.id ?? null,
  actor_label: r.actor?.label ?? null,
  actor_role: r.actor?.role ?? null,
  actor_via: r.actor?.via ?? null,
  ip: r.ip,
  objects: r.objects,
  result: r.result,
  status: r.status,
  reason: r.reason,
  prev_hash: r.prev_hash,
  hash: r.hash,
});

/** A stored row as a record (the inverse of toRow: what verification hashes and the export writes). */
export const fromRow = (row: Selectable<AuditTable>): AuditRecord => ({
  seq: Number(row.seq),
  at: row.at.toISOString(),
  source: row.source as AuditEntry['source'],
  action: row.action,
  request_id: row.request_id,
  actor: row.actor_id === null ? null : { id: row.actor_id, label: row.actor_label ?? '', role: row.actor_role ?? '', via: row.actor_via ?? '' },
  ip: row.ip,
  objects: row.objects,
  result: row.result as AuditEntry['result'],
  status: row.status,
  reason: row.reason,
  prev_hash: row.prev_hash,
  hash: row.hash,
});
