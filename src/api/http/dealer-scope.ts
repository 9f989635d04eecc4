// Per-dealer isolation at the routes: an object of a dealer outside the caller's scope answers as if it did not
// exist (404), so that a key of dealer B learns nothing of dealer A's journeys; a write for such a dealer is a 403.
import { seesDealer, type Principal } from '../../domain/access/index.ts';
import { parseGuid } from '../../domain/journeys/index.ts';
import { ProblemError } from './problems.ts';

/** Whether the caller may see the journey (its dealer is part of its GUID); public routes have no caller. */
export const seesGuid = (p: Principal | null, guid: string): boolean => p === null || seesDealer(p, parseGuid(guid)?.dealer);

/** A new journey for a dealer the caller may not act for. */
export const requireDealer = (p: Principal | null, dealer: string) => {
  if (p !== null && !seesDealer(p, dealer)) throw new ProblemError('forbidden', `These credentials do not act for dealer ${dealer}`);
};

/** Routes that span every dealer (key management, the audit trail, the quarantine) need a caller with all of them. */
export const requireAllDealers = (p: Principal | null, what: string) => {
  if (p !== null && p.dealers !== 'all') throw new ProblemError('forbidden', `${what} needs credentials with every dealer in scope`);
};
