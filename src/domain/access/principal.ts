// Who is calling: an API key, the configured admin secret, or an OAuth 2.0 token, with its role and dealer scope.
import type { Role } from './roles.ts';

/** `all`, or the dealer codes the credentials may see. */
export type DealerScope = 'all' | readonly string[];

export interface Principal {
  via: 'key' | 'admin_secret' | 'oauth';
  /** A key's id, `admin`, or the token's subject: what the audit trail names (never the secret). */
  id: string;
  /** What people see: a key's display prefix (`tl_live_AbC1…`), `admin secret`, or `oauth:<sub>`. */
  label: string;
  role: Role;
  dealers: DealerScope;
}

/** Whether the credentials may see objects of this dealer (a journey's dealer is part of its GUID). */
export const seesDealer = (p: Pick<Principal, 'dealers'>, dealer: string | null | undefined): boolean =>
  p.dealers === 'all' || (dealer != null && p.dealers.includes(dealer));

/** The dealer codes a query must be restricted to, or null for no restriction. */
export const dealerRestriction = (p: Pick<Principal, 'dealers'> | null): readonly string[] | null => (p === null || p.dealers === 'all' ? null : p.dealers);
