// Per-dealer isolation in queries: a journey belongs to the dealer named in its GUID (the seventh dash-separated
// part: PREFIX-YYYY-MM-DD-COMP-SEV-DEALER-HEX, none of which holds a dash), so every table keyed by GUID can be
// restricted alike, without a join.
import { sql, type RawBuilder } from 'kysely';

/** The dealer codes a query is restricted to; null for none (every dealer). */
export type DealerFilter = readonly string[] | null;

export const guidOfDealers = (guidColumn: string, dealers: readonly string[]): RawBuilder<boolean> =>
  sql<boolean>`split_part(${sql.ref(guidColumn)}, '-', 7) = ANY(${[...dealers]}::text[])`;
