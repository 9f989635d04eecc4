// Every registered projection rebuilt by replay, as `threadline rebuild` does.
import { PROJECTIONS } from '../../src/projections/registry.ts';
import { rebuildProjections, type RebuildOptions } from '../../src/projections/runner/rebuild.ts';
import type { Runtime } from '../../src/runtime.ts';

export const rebuild = async (rt: Runtime, onProgress?: (done: number) => void, options: RebuildOptions = {}): Promise<number> => {
  const replayed = await rebuildProjections({ readModels: rt.store.readModels, log: rt.store.log }, PROJECTIONS, (_name, done) => onProgress?.(done), options);
  return Math.max(0, ...Object.values(replayed));
};
