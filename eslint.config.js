// Lint: typescript-eslint's recommended rules plus the architecture's boundaries (ARCHITECTURE.md §2), checked
// on resolved paths at every depth. tests/unit/boundaries.test.ts proves each boundary still fires.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const root = path.dirname(fileURLToPath(import.meta.url));

// The composition root builds the app, so it alone may import src/api (tests are outside src/ and unrestricted).
const COMPOSITION_ROOT = ['src/cli/serve.ts', 'src/composition.ts'];

// What each layer may import inside src/ besides itself. src/api and src/config.ts are left out of every list
// and have zones of their own below, so that each violation is reported once, with the message that explains it.
const LAYERS = {
  domain: { allowed: [], message: 'src/domain is pure: it imports nothing outside src/domain.' },
  eventstore: { allowed: ['domain'], message: 'src/eventstore imports only src/domain (and itself).' },
  application: { allowed: ['domain', 'eventstore'], message: 'src/application imports only src/domain and src/eventstore (and itself).' },
  projections: { allowed: ['domain', 'eventstore'], message: 'src/projections imports only src/domain and src/eventstore (and itself).' },
  api: {
    allowed: ['domain', 'application', 'eventstore', 'projections'],
    message: 'src/api imports only src/domain, src/application, src/eventstore and src/projections (and itself); the composition root passes in the rest.',
  },
  workers: {
    allowed: ['domain', 'eventstore', 'application', 'projections'],
    message: 'src/workers imports only the layers below it (domain, eventstore, application, projections); the composition root wires workers, not the other way round.',
  },
};

// Layers whose subfolders are capabilities, each with the shared core any capability of the layer may import directly.
const CAPABILITY_LAYERS = { domain: 'shared', projections: 'runner', api: 'http', application: null };

// Read at every lint run, so that a new capability folder is covered without editing this file.
const subfolders = (dir) =>
  existsSync(path.join(root, dir))
    ? readdirSync(path.join(root, dir), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
        .map((entry) => entry.name)
        .sort()
    : [];

const layerZones = Object.entries(LAYERS).map(([layer, { allowed, message }]) => ({
  target: `src/${layer}/**`,
  from: 'src',
  except: [...new Set([layer, ...allowed, 'api', 'config.ts'])].map((name) => `./${name}`),
  message,
}));

const apiZone = {
  // Everything in src/ but src/api itself and the composition root: every other layer folder, the top-level files
  // (src/runtime.ts included), src/cli's subfolders and src/cli's files other than serve.ts.
  target: ['src/!(api|cli)/**', 'src/!(composition.ts)', 'src/cli/*/**', 'src/cli/!(serve.ts)'],
  from: 'src/api',
  message: `nothing imports src/api except the composition root (${COMPOSITION_ROOT.join(', ')}) and tests.`,
};

const configZone = {
  target: `src/{${Object.keys(LAYERS).join(',')}}/**`,
  from: 'src/config.ts',
  message: 'src/config.ts is read only by the composition root and the CLI: take the values you need as parameters.',
};

// A capability's folder is private to it in every layer: the same capability one layer up may reach into it (the
// journeys projection reads the journeys domain's files), anything else goes through its index.ts.
const capabilityZones = Object.entries(CAPABILITY_LAYERS).flatMap(([layer, sharedCore]) =>
  subfolders(`src/${layer}`)
    .filter((capability) => capability !== sharedCore)
    .map((capability) => ({
      target: [
        'src/*.ts',
        'src/{cli,workers}/**',
        ...Object.keys(CAPABILITY_LAYERS).flatMap((other) => [
          `src/${other}/*.ts`,
          ...subfolders(`src/${other}`)
            .filter((folder) => folder !== capability)
            .map((folder) => `src/${other}/${folder}/**`),
        ]),
      ],
      from: `src/${layer}/${capability}`,
      except: ['./index.ts'],
      message: `capabilities import each other only through their index.ts: import src/${layer}/${capability}/index.ts.`,
    })),
);

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'coverage', 'dist', 'bench/results', '.scratch'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests read HTTP JSON answers loosely; the product code stays free of any.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The boundaries work on resolved files: an import the resolver cannot find would pass no-restricted-paths
    // silently, so no-unresolved makes such an import an error of its own.
    files: ['src/**/*.{ts,mts,cts,js,mjs,cjs}'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mts', '.js', '.mjs', '.json'] })] },
    rules: {
      'import-x/no-unresolved': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: [...layerZones, apiZone, configZone, ...capabilityZones] }],
    },
  },
  {
    // Bare module names, which no path zone sees: Node's I/O modules (with or without node:) and the I/O packages.
    // Domain code takes randomness, hashes, time and data from its caller; zod is allowed.
    files: ['src/domain/**/*.{ts,mts,cts,js,mjs,cjs}'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          {
            regex: '^(node:)?(fs|net|http|https|http2|child_process|worker_threads|cluster|os|dgram|dns|tls|crypto|readline)(/.*)?$',
            message: 'src/domain is pure: no Node I/O module (take randomness, hashes and data from the caller).',
          },
          {
            regex: '^(pg|kysely|express)(/.*)?$|^@(electric-sql|event-driven-io)/',
            message: 'src/domain is pure: no database, HTTP or event-store package.',
          },
        ],
      }],
      // no-restricted-imports does not see import(); loading a module at run time is I/O anyway.
      'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: 'src/domain is pure: no import() at run time.' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts', 'src/cli/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config.ts and the CLI read process.env.' }],
    },
  },
);
