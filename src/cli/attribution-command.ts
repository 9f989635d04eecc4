// `threadline attribution`: reads a ChannelAttribution path CSV, runs the chosen models, prints JSON or CSV.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_MODELS, MODEL_NAMES, parsePathCsv, resolveModelName, runModels, type AttributionReport, type ChannelReport, type MarkovChannelReport } from '../domain/attribution/index.ts';

export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const EXIT_OK = 0;
const EXIT_USAGE = 2;

export const ATTRIBUTION_USAGE = `usage: threadline attribution --paths FILE [--sep ">"] [--models ${DEFAULT_MODELS.join(',')}]
       [--order K] [--null] [--value] [--max-step N] [--format json|csv] [--half-life-days D]

  --paths FILE          CSV with columns "path","total_conversions"[,"total_conversion_value"][,"total_null"]
                        [,"times","conversion_time"] (ChannelAttribution's format; times in epoch ms)
  --sep S               touch separator in "path" (default ">"; spaces around touches are trimmed)
  --models LIST         comma-separated; also time_decay (needs times) and data_driven (= markov)
  --order K             Markov order (default 1)
  --null                use total_null (non-converting journeys) in the Markov chain
  --value               also attribute total_conversion_value
  --max-step N          Markov finite horizon, as ChannelAttribution's max_step (default: none, exact)
  --format json|csv     output format (default json)
  --half-life-days D    time-decay half-life (default 7)
`;

function positiveInteger(raw: string | undefined, flag: string): number | string | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : `${flag} must be a positive integer, got "${raw}"`;
}

export async function attributionCommand(argv: string[], io: CommandIo): Promise<number> {
  // Bad flags get the usage text; bad input files get just the reason. Both are the caller's to fix: exit 2.
  const inputError = (message: string): number => {
    io.stderr(`threadline attribution: ${message}\n`);
    return EXIT_USAGE;
  };
  const usageError = (message: string): number => inputError(`${message}\n\n${ATTRIBUTION_USAGE}`);
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        paths: { type: 'string' },
        sep: { type: 'string', default: '>' },
        models: { type: 'string' },
        order: { type: 'string' },
        null: { type: 'boolean', default: false },
        value: { type: 'boolean', default: false },
        'max-step': { type: 'string' },
        format: { type: 'string', default: 'json' },
        'half-life-days': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    io.stdout(ATTRIBUTION_USAGE);
    return EXIT_OK;
  }
  if (values.paths === undefined) return usageError('--paths FILE is required');
  if (values.format !== 'json' && values.format !== 'csv') return usageError(`--format must be json or csv, got "${values.format}"`);
  const order = positiveInteger(values.order, '--order');
  if (typeof order === 'string') return usageError(order);
  const maxStep = positiveInteger(values['max-step'], '--max-step');
  if (typeof maxStep === 'string') return usageError(maxStep);
  let halfLifeDays: number | undefined;
  if (values['half-life-days'] !== undefined) {
    halfLifeDays = Number(values['half-life-days']);
    if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) {
      return usageError(`--half-life-days must be a positive number, got "${values['half-life-days']}"`);
    }
  }
  const models = values.models?.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (models !== undefined && models.length === 0) return usageError('--models names no model');
  const unknown = models?.find((m) => resolveModelName(m) === undefined);
  if (unknown !== undefined) return usageError(`unknown model "${unknown}"; known: ${MODEL_NAMES.join(', ')}, data_driven`);

  let text: string;
  try {
    text = await readFile(values.paths, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    return inputError(`cannot read --paths ${values.paths}: ${reason}`);
  }
  const parsed = parsePathCsv(text, { separator: values.sep });
  if (!parsed.ok) return inputError(`${values.paths}:${parsed.error.line}: ${parsed.error.message}`);
  if (values.null && !parsed.value.hasNulls) return inputError('--null needs a "total_null" column');
  if (values.value && !parsed.value.hasValue) return inputError('--value needs a "total_conversion_value" column');

  const outcome = runModels(parsed.value.paths, {
    models,
    order,
    maxStep,
    useNulls: values.null,
    useValue: values.value,
    halfLifeDays,
  });
  if (!outcome.ok) return inputError(`${outcome.error.code}: ${outcome.error.message}`);
  io.stdout(values.format === 'json' ? `${JSON.stringify(outcome.value)}\n` : reportCsv(outcome.value));
  return EXIT_OK;
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csvNumber = (n: number | undefined): string => (n === undefined ? '' : String(n));

/** One row per model × channel; columns a model does not produce are left empty. */
export function reportCsv(report: AttributionReport): string {
  const rows = ['model,channel,conversions,value,removal_effect,removal_effect_value'];
  for (const [model, channels] of Object.entries(report.models)) {
    const rowsOf: Record<string, ChannelReport & Partial<MarkovChannelReport>> = channels ?? {};
    for (const [channel, credit] of Object.entries(rowsOf)) {
      rows.push(
        [
          model,
          csvField(channel),
          csvNumber(credit.conversions),
          csvNumber(credit.value),
          csvNumber(credit.removal_effect),
          csvNumber(credit.removal_effect_value),
        ].join(','),
      );
    }
  }
  return `${rows.join('\n')}\n`;
}
