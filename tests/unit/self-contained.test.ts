// A fresh clone passes `npm test` with nothing beside it: no test reads outside the repository, except a suite
// that checks for the file first and says why it skips.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));

describe('the test suite', () => {
  it('reads nothing outside the repository but through guarded suites', () => {
    const outside = files(join(root, 'tests'))
      .filter((f) => /\.\.\/(\.\.\/)*shared\//.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(outside).toEqual(['tests/unit/attribution/path-data-reference.test.ts']);
    expect(readFileSync(join(root, outside[0]!), 'utf8')).toMatch(/skipIf\(/);
  });
});
