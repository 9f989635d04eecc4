// Roles and what each may do, deny by default: a route declares the scope it needs, a role lists the scopes it has.

export const ROLES = ['admin', 'channel', 'dealer', 'analyst', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs; `public` needs no credentials. */
export const SCOPES = ['public', 'journeys:write', 'journeys:read', 'analytics:read', 'audit:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * - admin: everything, key management.
 * - channel: a channel system (ESP, SMS gateway, contact centre): writes journeys and events for its dealers, and
 *   reads nothing back beyond what a write answers.
 * - dealer: the dealer portal: its dealers' journeys and reports, and portal actions (events, transitions).
 * - analyst: reports and attribution (aggregates, GUIDs without PII), no per-journey records.
 * - auditor: the audit trail and exports, read-only.
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Exclude<Scope, 'public'>[]>> = {
  admin: ['journeys:write', 'journeys:read', 'analytics:read', 'audit:read', 'admin'],
  channel: ['journeys:write'],
  dealer: ['journeys:write', 'journeys:read', 'analytics:read'],
  analyst: ['analytics:read'],
  auditor: ['audit:read'],
};

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

export const roleAllows = (role: Role, scope: Scope): boolean => scope === 'public' || ROLE_SCOPES[role].includes(scope);
