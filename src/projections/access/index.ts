// The access capability's storage: API keys and the audit trail (tables beside the read models, never rebuilt).
export { prepareAccessTables } from './access-schema.ts';
export type { ApiKeysTables } from './api-keys-schema.ts';
export { countKeys, createKey, findKey, findKeyByHash, hashKey, isLive, keyInfo, listKeys, revokeKey, rollKey, touchKeys, type KeyInfo, type NewKey } from './api-keys.ts';
export { AUDIT_TABLE, createAuditSchema, type AuditTables } from './audit-schema.ts';
export { canonicalJson, chainHash, GENESIS_HASH, type AuditRecord } from './audit-chain.ts';
export { appendAuditBatch, createAuditWriter, type AuditWriter, type AuditWriterOptions } from './audit-log.ts';
export { verifyAuditChain, type AuditProblem, type AuditVerification } from './audit-verify.ts';
export { readAudit, type AuditFilter } from './audit-read.ts';
