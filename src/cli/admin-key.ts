// Zero setup: the first start of an empty store makes an admin key, prints it once and leaves it in
// <data dir>/admin.key (mode 0600), so that `npm start` and then curl work without a step in between.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { AuditEntry } from '../domain/access/index.ts';
import { countKeys, createKey } from '../projections/access/index.ts';

export const ADMIN_KEY_FILE = 'admin.key';

export const ensureAdminKey = async (
  db: Kysely<unknown>,
  o: { adminSecret: string | null; dataDir: string; logger: { warn(o: object, m: string): void }; audit: { record(entry: AuditEntry): void } },
): Promise<string | null> => {
  // A configured secret is the deployment's way in; an existing key means someone has one already.
  if (o.adminSecret || (await countKeys(db)) > 0) return null;
  const { key, info } = await createKey(db, { name: 'first admin key (made at first start)', role: 'admin', dealers: 'all' });
  mkdirSync(o.dataDir, { recursive: true });
  const file = join(o.dataDir, ADMIN_KEY_FILE);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  // Printed once, on stderr, not in the JSON log stream (which may be shipped elsewhere).
  process.stderr.write(`\nThreadline made an admin key (shown once; also in ${file}, mode 0600):\n\n  ${key}\n\nSend it as: Authorization: Bearer <key>. Make scoped keys with: npx threadline keys create --role channel --dealers DET001\n\n`);
  o.logger.warn({ key_id: info.id, key_prefix: info.display_prefix, file }, 'made the first admin key');
  o.audit.record({ at: new Date().toISOString(), source: 'cli', action: 'keys create', request_id: null, actor: { id: 'serve', label: 'first start', role: 'admin', via: 'cli' }, ip: null, objects: [info.id], result: 'ok', status: null, reason: 'first admin key, made at first start' });
  return key;
};
