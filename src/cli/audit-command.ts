// `threadline audit verify`: recomputes the audit chain and names the first record that breaks it.
import type { Kysely } from 'kysely';
import { verifyAuditChain } from '../projections/access/index.ts';

const USAGE = `Usage:
  threadline audit verify    recompute every audit record's hash in seq order; exit 1 at the first break`;

export interface AuditIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Opens the store for the check (only once the arguments are known to be right). */
  withDb<T>(fn: (db: Kysely<unknown>) => Promise<T>): Promise<T>;
}

export const auditCommand = async (args: string[], io: AuditIo): Promise<number> => {
  const [action, ...rest] = args;
  if (action === '--help' || action === '-h') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (action !== 'verify' || rest.length > 0) {
    io.stderr(`threadline audit: ${action === 'verify' ? `unexpected ${rest.join(' ')}` : action ? `unknown action: ${action}` : 'which action?'}\n\n${USAGE}\n`);
    return 2;
  }
  const result = await io.withDb(verifyAuditChain);
  if (!result.ok) {
    io.stdout(`audit trail broken at seq ${result.firstBadSeq}: ${result.problem} (${result.records} records intact before it)\n`);
    return 1;
  }
  io.stdout(`audit trail intact: ${result.records} records\n`);
  // Kept elsewhere, the last hash shows later that nothing was cut off the end or rewritten with fresh hashes.
  if (result.last) io.stdout(`last record: seq ${result.last.seq} hash ${result.last.hash}\n`);
  return 0;
};
