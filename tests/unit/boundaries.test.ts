// The architecture's import boundaries (ARCHITECTURE.md §2) hold at every depth: probe texts are linted with the
// project's own eslint.config.js as if they were files at the given paths, importing files that exist.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: repoRoot });

const PATH_RULE = 'import-x/no-restricted-paths';
const NAME_RULE = 'no-restricted-imports';

const exists = (repoPath: string): boolean => existsSync(path.join(repoRoot, repoPath));
const sourceFiles = (dir: string): string[] =>
  exists(dir) ? readdirSync(path.join(repoRoot, dir)).filter((f) => /\.m?ts$/.test(f) && !f.endsWith('.d.ts')).sort() : [];

// A probe must import a file that exists, or the resolver fails and the path rule has nothing to check. src/ is
// being restructured, so take the named file while it is there and another file of the same folder after that.
function existing(dir: string, preferred?: string): string {
  if (preferred && exists(`${dir}/${preferred}`)) return `${dir}/${preferred}`;
  const file = sourceFiles(dir).find((f) => f !== 'index.ts') ?? sourceFiles(dir)[0];
  if (!file) throw new Error(`no file left in ${dir} to probe with: pick another folder`);
  return `${dir}/${file}`;
}

// Bare names stay as they are; repo paths ('src/...') become the relative specifier the probe would write.
function specifier(probe: string, imported: string): string {
  if (!imported.startsWith('src/')) return imported;
  const relative = path.posix.relative(path.posix.dirname(probe), imported);
  return relative.startsWith('.') ? relative : `./${relative}`;
}

async function lint(probe: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, probe) });
  return result!.messages;
}

const importing = (probe: string, imported: string[]): string =>
  imported.map((i) => `import '${specifier(probe, i)}';\n`).join('');

// One error per import, each from the expected rule with the expected explanation, and nothing unresolved.
async function expectBlocked(probe: string, imported: string[], rule: string, message: string): Promise<void> {
  const messages = await lint(probe, importing(probe, imported));
  expect(messages.map((m) => ({ ruleId: m.ruleId, severity: m.severity, line: m.line })))
    .toEqual(imported.map((_, i) => ({ ruleId: rule, severity: 2, line: i + 1 })));
  for (const m of messages) expect(m.message).toContain(message);
}

async function expectAllowed(probe: string, ...imported: string[]): Promise<void> {
  expect(await lint(probe, importing(probe, imported))).toEqual([]);
}

const PURE = 'src/domain is pure: it imports nothing outside src/domain';
const THROUGH_INDEX = 'capabilities import each other only through their index.ts';
const NO_API = 'nothing imports src/api except the composition root';
const NO_CONFIG = 'src/config.ts is read only by the composition root and the CLI';

const apiApp = existing('src/api/http', 'app.ts');
const checkpoints = existing('src/projections/runner', 'checkpoints.ts');
const config = 'src/config.ts';

describe('src/domain is pure', () => {
  it('imports nothing of ours outside src/domain, however deep the file', async () => {
    await expectBlocked('src/domain/attribution/probe.ts', [apiApp], PATH_RULE, NO_API);
    await expectBlocked('src/domain/attribution/probe.ts', [checkpoints, 'src/runtime.ts'], PATH_RULE, PURE);
    await expectBlocked('src/domain/shared/probe.ts', [config], PATH_RULE, NO_CONFIG);
  });

  it('does not load modules at run time either', async () => {
    const probe = 'src/domain/journeys/probe.ts';
    const messages = await lint(probe, `export const load = () => import('${specifier(probe, apiApp)}');\n`);
    expect(messages.map((m) => m.ruleId).sort()).toEqual([PATH_RULE, 'no-restricted-syntax']);
  });

  it('reports an import the resolver cannot find, instead of letting it pass the boundaries unchecked', async () => {
    const messages = await lint('src/domain/attribution/probe.ts', "import '../../api/no-such-file.ts';\n");
    expect(messages.map((m) => m.ruleId)).toEqual(['import-x/no-unresolved']);
  });

  it('imports no Node I/O module and no database, HTTP or event-store package', async () => {
    await expectBlocked('src/domain/journeys/probe.ts', ['node:fs', 'node:fs/promises', 'node:crypto', 'os', 'node:worker_threads'], NAME_RULE, 'no Node I/O module');
    await expectBlocked('src/domain/journeys/probe.ts', ['pg', 'kysely', 'express', '@electric-sql/pglite', '@event-driven-io/emmett'], NAME_RULE, 'no database, HTTP or event-store package');
  });

  it('may import zod, its own capability and the shared core', async () => {
    await expectAllowed('src/domain/journeys/probe.ts', 'zod', existing('src/domain/shared', 'channels.ts'), existing('src/domain/journeys', 'guid.ts'));
  });
});

describe('capabilities import each other only through their index.ts', () => {
  it('blocks a file of another domain capability, allows its index.ts', async () => {
    await expectBlocked('src/domain/attribution/probe.ts', [existing('src/domain/journeys', 'guid.ts')], PATH_RULE, THROUGH_INDEX);
    await expectAllowed('src/domain/attribution/probe.ts', 'src/domain/journeys/index.ts');
  });

  it('holds across layers: another capability\'s files are private to it one layer up as well, its own are not', async () => {
    await expectBlocked('src/projections/attribution/probe.ts', [existing('src/domain/journeys', 'guid.ts')], PATH_RULE, 'import src/domain/journeys/index.ts');
    await expectBlocked('src/api/journeys/probe.ts', [existing('src/projections/attribution')], PATH_RULE, 'import src/projections/attribution/index.ts');
    await expectBlocked('src/cli/probe.ts', [existing('src/domain/attribution')], PATH_RULE, 'import src/domain/attribution/index.ts');
    await expectAllowed('src/projections/attribution/probe.ts', 'src/domain/journeys/index.ts', 'src/domain/attribution/index.ts');
    await expectAllowed('src/projections/journeys/probe.ts', existing('src/domain/journeys', 'guid.ts'));
  });

  // The zones are generated from the folders, so every capability of every layer is covered without a list here.
  for (const [layer, sharedCore] of [['domain', 'shared'], ['projections', 'runner'], ['api', 'http'], ['application', null]] as const) {
    const dir = `src/${layer}`;
    const capabilities = readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const pairs = capabilities.flatMap((from) =>
      capabilities.filter((to) => to !== from && to !== sharedCore && sourceFiles(`${dir}/${to}`).some((f) => f !== 'index.ts'))
        .map((to) => [from, to] as const));
    const name = `in ${dir} (${capabilities.join(', ')})`;

    it.skipIf(pairs.length === 0)(pairs.length ? name : `${name}: skipped, no two capabilities to import each other yet`, async () => {
      for (const [from, to] of pairs) {
        const probe = `${dir}/${from}/probe.ts`;
        await expectBlocked(probe, [existing(`${dir}/${to}`)], PATH_RULE, `import ${dir}/${to}/index.ts`);
        if (exists(`${dir}/${to}/index.ts`)) await expectAllowed(probe, `${dir}/${to}/index.ts`);
      }
    });
  }

  it('lets any capability import its layer\'s shared core directly', async () => {
    await expectAllowed('src/domain/attribution/probe.ts', existing('src/domain/shared', 'violation.ts'));
    await expectAllowed('src/projections/attribution/probe.ts', checkpoints);
    await expectAllowed('src/api/journeys/probe.ts', existing('src/api/http', 'problems.ts'));
  });
});

describe('the dependency direction is one way', () => {
  it('src/eventstore imports only src/domain', async () => {
    await expectBlocked('src/eventstore/probe.ts', [checkpoints], PATH_RULE, 'src/eventstore imports only src/domain');
    await expectBlocked('src/eventstore/postgres/probe.ts', [existing('src/application', 'command-handler.ts')], PATH_RULE, 'src/eventstore imports only src/domain');
    await expectAllowed('src/eventstore/postgres/probe.ts', existing('src/domain/shared', 'violation.ts'));
  });

  it('src/application and src/projections import domain and eventstore, not each other', async () => {
    await expectBlocked('src/application/journeys/probe.ts', [checkpoints], PATH_RULE, 'src/application imports only');
    await expectBlocked('src/projections/journeys/probe.ts', [existing('src/application', 'command-handler.ts')], PATH_RULE, 'src/projections imports only');
    await expectAllowed('src/projections/journeys/probe.ts', existing('src/domain/journeys', 'guid.ts'), existing('src/eventstore', 'index.ts'));
  });

  it('src/api does not reach up into workers, the CLI or the runtime', async () => {
    await expectBlocked('src/api/journeys/probe.ts', [existing('src/workers'), existing('src/cli', 'main.ts'), 'src/runtime.ts'], PATH_RULE, 'src/api imports only');
  });
});

describe('nothing imports src/api except the composition root', () => {
  it('blocks the other layers, the CLI and the runtime', async () => {
    for (const probe of ['src/projections/journeys/probe.ts', 'src/workers/probe.ts', 'src/cli/main.ts', 'src/cli/demo/probe.ts', 'src/runtime.ts']) {
      await expectBlocked(probe, [apiApp], PATH_RULE, NO_API);
    }
  });

  it('allows src/cli/serve.ts and src/composition.ts', async () => {
    await expectAllowed('src/cli/serve.ts', apiApp);
    await expectAllowed('src/composition.ts', apiApp);
  });
});

describe('src/config.ts is read only by the composition root and the CLI', () => {
  it('blocks every layer', async () => {
    for (const probe of ['src/domain/shared/probe.ts', 'src/eventstore/pglite/probe.ts', 'src/application/journeys/probe.ts',
      'src/projections/runner/probe.ts', 'src/api/http/probe.ts', 'src/workers/probe.ts']) {
      await expectBlocked(probe, [config], PATH_RULE, NO_CONFIG);
    }
  });

  it('allows the CLI and the composition root', async () => {
    await expectAllowed('src/cli/main.ts', config);
    await expectAllowed('src/cli/serve.ts', config);
  });
});
