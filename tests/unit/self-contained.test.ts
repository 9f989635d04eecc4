// A fresh clone passes `npm test` with nothing beside it: no test names a path outside the repository. A suite over
// data that may not be copied in (the GPL-3 PathData set) reads it only from a path given in the environment, and
// says why it skips without one.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));

describe('the test suite', () => {
  it('names no path outside the repository; data that may not be copied in comes from the environment, or the suite skips', () => {
    const outside = files(join(root, 'tests'))
      .filter((f) => /\.\.\/(\.\.\/)*shared\//.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(outside).toEqual([]);
    const reference = readFileSync(join(root, 'tests/unit/attribution/path-data-reference.test.ts'), 'utf8');
    expect(reference).toMatch(/process\.env\['PATHDATA_CSV'\]/);
    expect(reference).toMatch(/skipIf\(/);
  });
});
