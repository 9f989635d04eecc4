// `threadline keys create|list|roll|revoke`: key management from the command line (the store's owner is admin).
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { isRole, KEY_ENVIRONMENTS, ROLES, type AuditEntry, type DealerScope, type KeyEnvironment } from '../domain/access/index.ts';
import { createKey, listKeys, revokeKey, rollKey, type KeyInfo } from '../projections/access/index.ts';

const USAGE = `Usage:
  threadline keys create --role ROLE --dealers all|D1,D2 [--name NAME] [--expires ISO-TIME] [--env live|test]
  threadline keys list
  threadline keys roll KEY_ID [--grace SECONDS]     the old key dies at once, or after the grace
  threadline keys revoke KEY_ID [--reason TEXT]

Roles: ${ROLES.join(', ')}. The key is printed once; only its hash is kept.`;

const DEALER = /^[A-Z0-9]{1,16}$/;

export interface KeysIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Where the command's key changes are audited. */
  audit(entry: AuditEntry): void;
}

const show = (k: KeyInfo) =>
  `${k.id}  ${k.display_prefix}…  ${k.role}  dealers=${k.dealers === 'all' ? 'all' : k.dealers.join(',')}  ${k.revoked_at ? `revoked ${k.revoked_at}` : k.expires_at ? `expires ${k.expires_at}` : 'live'}  last used ${k.last_used_at ?? 'never'}  "${k.name}"`;

const usage = (io: KeysIo, message: string) => {
  io.stderr(`threadline keys: ${message}\n\n${USAGE}\n`);
  return 2;
};

export const keysCommand = async (args: string[], db: Kysely<unknown>, io: KeysIo): Promise<number> => {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { role: { type: 'string' }, dealers: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, env: { type: 'string', default: 'live' }, grace: { type: 'string', default: '0' }, reason: { type: 'string', default: 'revoked from the command line' } },
  });
  const audit = (what: string, objects: string[], reason: string | null = null) =>
    io.audit({ at: new Date().toISOString(), source: 'cli', action: `keys ${what}`, request_id: null, actor: { id: 'cli', label: 'command line', role: 'admin', via: 'cli' }, ip: null, objects, result: 'ok', status: null, reason });

  if (action === 'list') {
    for (const k of await listKeys(db)) io.stdout(`${show(k)}\n`);
    return 0;
  }
  if (action === 'create') {
    if (!isRole(values.role)) return usage(io, `--role: one of ${ROLES.join(', ')}`);
    const dealers: DealerScope = values.dealers === 'all' ? 'all' : (values.dealers ?? '').split(',').map((d) => d.trim()).filter(Boolean);
    if (dealers !== 'all' && (dealers.length === 0 || !dealers.every((d) => DEALER.test(d)))) return usage(io, '--dealers: all, or dealer codes (A-Z, 0-9) separated by commas');
    if (values.expires !== undefined && Number.isNaN(Date.parse(values.expires))) return usage(io, `--expires: not a date-time: ${values.expires}`);
    if (!(KEY_ENVIRONMENTS as readonly string[]).includes(values.env!)) return usage(io, '--env: live or test');
    const made = await createKey(db, { name: values.name ?? `${values.role} key`, role: values.role, dealers, environment: values.env as KeyEnvironment, expiresAt: values.expires ? new Date(values.expires) : null });
    audit('create', [made.info.id], `role ${made.info.role}`);
    io.stdout(`${made.key}\n`);
    io.stderr(`made ${show(made.info)}\nThe key above is shown this once; store it now.\n`);
    return 0;
  }
  if (action === 'roll' || action === 'revoke') {
    const id = positionals[0];
    if (!id) return usage(io, `${action}: which key (its id, from keys list)`);
    if (action === 'roll') {
      const grace = Number(values.grace);
      if (!Number.isInteger(grace) || grace < 0) return usage(io, '--grace: whole seconds, 0 or more');
      const rolled = await rollKey(db, id, grace * 1000);
      if (!rolled) return usage(io, `no live key ${id}`);
      audit('roll', [id, rolled.info.id], `grace ${grace} s`);
      io.stdout(`${rolled.key}\n`);
      io.stderr(`made ${show(rolled.info)}\n${id} stops working at ${rolled.old.revoked_at}\nThe key above is shown this once; store it now.\n`);
      return 0;
    }
    const revoked = await revokeKey(db, id, values.reason!);
    if (!revoked) return usage(io, `no key ${id}`);
    audit('revoke', [id], values.reason!);
    io.stderr(`revoked ${show(revoked)}\n`);
    return 0;
  }
  return usage(io, action ? `unknown action ${action}` : 'create, list, roll or revoke');
};
