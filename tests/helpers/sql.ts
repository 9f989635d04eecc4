// Plain SQL against a store's database, for tests that look at rows directly (through the store's own connections:
// the embedded store has only one).
import { CompiledQuery } from 'kysely';
import type { OpenedStore } from '../../src/eventstore/index.ts';

export const query = async (store: Pick<OpenedStore, 'readModels'>, text: string, params: unknown[] = []): Promise<{ rows: any[] }> => {
  const result = await store.readModels.executeQuery(CompiledQuery.raw(text, params));
  return { rows: result.rows as any[] };
};
