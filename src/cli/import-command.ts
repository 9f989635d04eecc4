// `threadline import --file F [--dry-run] [--report R]`: the file's lines as NDJSON, a progress bar, a report.
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type TimeBounds } from '../domain/journeys/index.ts';
import type { CommandStore } from '../eventstore/index.ts';
import { importHistory, type ImportReport, type NumberedLine } from './import/import-history.ts';
import { progressBar } from './progress.ts';

export interface ImportCommandOptions {
  file: string;
  dryRun: boolean;
  prefix: string;
  maxFutureSkewMs: number;
  stderr?: NodeJS.WriteStream;
}

/** The file's lines, numbered, with the bytes up to each (for the progress bar). */
const linesOf = (file: string) =>
  async function* (): AsyncIterable<NumberedLine> {
    const input = createReadStream(file, { encoding: 'utf8' });
    let bytes = 0;
    let n = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      bytes += Buffer.byteLength(text) + 1;
      yield { n: ++n, text, bytes };
    }
  };

export const runImport = async (store: CommandStore, o: ImportCommandOptions): Promise<ImportReport> => {
  const size = statSync(o.file).size;
  const bars = { journeys: progressBar(o.dryRun ? 'check journeys' : 'import journeys', o.stderr), events: progressBar(o.dryRun ? 'check events' : 'import events', o.stderr) };
  const bounds = (): TimeBounds => ({ now: new Date(), maxFutureSkewMs: o.maxFutureSkewMs });
  return importHistory(store, linesOf(o.file), {
    prefix: o.prefix,
    dryRun: o.dryRun,
    bounds,
    onLine: (phase, line) => bars[phase](Math.min(line.bytes ?? 0, size), size),
  });
};

/** The one-paragraph summary a person reads; the full report is JSON. */
export const summarise = (r: ImportReport): string => {
  const head = r.dry_run
    ? `checked ${r.lines} lines: ${r.journeys.valid} journeys and ${r.events.valid} events valid, ${r.rejected} rejected (nothing stored)`
    : `imported ${r.lines} lines: ${r.journeys.created} journeys created (${r.journeys.duplicate} already there), ${r.events.stored} events stored (${r.events.duplicate} duplicates), ${r.rejected} rejected`;
  const shown = r.rejections.slice(0, 20).map((x) => `  line ${x.line}: ${x.reason}`);
  const more = r.rejections.length > shown.length ? [`  … and ${r.rejections.length - shown.length} more (see the report)`] : [];
  return [head, ...shown, ...more].join('\n');
};

export const writeReport = (r: ImportReport, reportFile: string | undefined) => {
  const json = `${JSON.stringify(r, null, 2)}\n`;
  if (reportFile) writeFileSync(reportFile, json);
  else process.stdout.write(json);
};
