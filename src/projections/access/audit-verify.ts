// Verification of the audit chain: every record's hash recomputed in seq order, a page at a time.
import type { Kysely } from 'kysely';
import { chainHash, fromRow, GENESIS_HASH } from './audit-chain.ts';
import type { AuditTables } from './audit-schema.ts';

export type AuditProblem = 'changed' | 'removed' | 'reordered';

export type AuditVerification =
  | {
      ok: true;
      records: number;
      /** The last record: kept somewhere else, it shows later that no record was cut off the end or rewritten. */
      last: { seq: number; hash: string } | null;
    }
  | {
      ok: false;
      /** Records found intact before the first bad one. */
      records: number;
      firstBadSeq: number;
      problem: AuditProblem;
    };

const PAGE = 1000;

/**
 * The first break, named by what it looks like:
 * - `removed`: a seq is missing (the chain is gapless, so a gap is a record deleted);
 * - `changed`: a record whose content no longer gives its hash, or whose hash was recomputed after a change (then
 *   the next record no longer follows it, though that next record is itself intact);
 * - `reordered`: a record at a seq it was not sealed at (it neither follows the record before it nor hashes at its
 *   seq): records swapped, or renumbered to close the gap a removal left.
 * A chain only shows what was done in it: a record cut off its end, or a suffix rewritten with fresh hashes, shows
 * only against a `last` kept elsewhere.
 */
export const verifyAuditChain = async (db: Kysely<unknown>): Promise<AuditVerification> => {
  const audit = db.withTables<AuditTables>();
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let records = 0;
  for (;;) {
    const rows = await audit
      .selectFrom('threadline_audit')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const r = fromRow(row);
      if (r.seq !== expectedSeq) return { ok: false, records, firstBadSeq: expectedSeq, problem: 'removed' };
      const intact = chainHash(r.prev_hash, r) === r.hash;
      if (r.prev_hash !== prevHash) {
        if (!intact) return { ok: false, records, firstBadSeq: r.seq, problem: 'reordered' };
        // Intact but not following: the record before it was changed and its hash recomputed (or, at seq 1, this
        // record's own prev_hash was).
        return r.seq === 1 ? { ok: false, records, firstBadSeq: 1, problem: 'changed' } : { ok: false, records: records - 1, firstBadSeq: r.seq - 1, problem: 'changed' };
      }
      if (!intact) return { ok: false, records, firstBadSeq: r.seq, problem: 'changed' };
      records++;
      expectedSeq++;
      prevHash = r.hash;
    }
    if (rows.length < PAGE) return { ok: true, records, last: records === 0 ? null : { seq: expectedSeq - 1, hash: prevHash } };
  }
};
