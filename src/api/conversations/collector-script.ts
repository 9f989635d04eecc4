// collector/collector.js as served: read once, and gzipped once for the clients that accept it (most web views).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export interface CollectorScript {
  plain: Buffer;
  gzip: Buffer;
}

let cached: CollectorScript | null = null;

export const collectorScript = (): CollectorScript => {
  if (!cached) {
    const plain = readFileSync(new URL('../../../collector/collector.js', import.meta.url));
    cached = { plain, gzip: gzipSync(plain, { level: 9 }) };
  }
  return cached;
};
