// Types of durable-node-fs.mjs (plain JavaScript for the worker thread).
import type { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

export declare class DurableNodeFS extends NodeFS {
  syncs: number;
}
export declare const durableStartParams: () => string[];
export declare const openDurablePglite: (dataDir: string) => Promise<{ db: PGlite; fs: DurableNodeFS }>;
