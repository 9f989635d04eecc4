// Conversation report answers reused while the conversations projection has not moved: the same question over the
// same rows has the same answer, and an agents report over 100,000 conversations costs a few hundred milliseconds of
// sorting (percentiles per agent, team and category) that a dashboard polling it need not pay again.
import type { Kysely } from 'kysely';
import type { RunnerTables } from '../runner/runner-schema.ts';

const MAX_ENTRIES = 256;

interface Cache {
  /** The projection checkpoint (position and write time) the entries were computed at (or after: see cachedReport). */
  checkpoint: string;
  entries: Map<string, Promise<unknown>>;
}

// Per read-model database, so that apps on different stores (tests) never share answers.
const caches = new WeakMap<object, Cache>();

/**
 * The answer of `load` for `key` (which must name everything the answer depends on: report, window, filters, the
 * caller's dealers), computed once per checkpoint of the conversations projection. The checkpoint is read before the
 * report's own queries, so a cached answer is never older than its checkpoint says; a batch committed in between
 * only makes it newer. Concurrent identical requests share one computation; a failure is not kept.
 */
export const cachedReport = async <T>(db: Kysely<RunnerTables>, key: string, load: () => Promise<T>): Promise<T> => {
  // The write time as well: a rebuild ends at the position it started from, with rows written anew.
  const row = await db.selectFrom('projection_checkpoints').select(['position', 'updated_at']).where('name', '=', 'conversations').executeTakeFirst();
  const checkpoint = row ? `${row.position}|${new Date(row.updated_at).getTime()}` : '';
  let cache = caches.get(db);
  if (!cache || cache.checkpoint !== checkpoint) {
    cache = { checkpoint, entries: new Map() };
    caches.set(db, cache);
  }
  const { entries } = cache;
  const hit = entries.get(key);
  if (hit) {
    // Most recently used last: the first entry is the one to evict.
    entries.delete(key);
    entries.set(key, hit);
    return hit as Promise<T>;
  }
  const answer = load();
  entries.set(key, answer);
  answer.catch(() => {
    if (entries.get(key) === answer) entries.delete(key);
  });
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  return answer;
};
