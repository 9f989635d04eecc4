// `threadline attribution` run in-process against temp files, capturing stdout/stderr and the exit code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attributionCommand } from '../../../src/cli/attribution-command.ts';
import { syntheticPathDataCsv } from '../../helpers/synthetic-path-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'threadline-attribution-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await attributionCommand(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const analyzecore = file(
  'analyzecore.csv',
  '"path","total_conversions","total_conversion_value","total_null"\n"C1 > C2 > C3",1,1000,0\n"C1",0,0,1\n"C2 > C3",0,0,1\n',
);
// A PathData-shaped file; ChannelAttribution's own PathData is GPL-3 and stays out of the repo.
const pathDataText = syntheticPathDataCsv();
const pathData = file('synthetic-path-data.csv', pathDataText);
/** Conversions summed from the text's second column, independently of the CSV parser. */
const pathDataConversions = pathDataText
  .trim()
  .split('\n')
  .slice(1)
  .reduce((a, line) => a + Number(line.split(',').at(-3)), 0);

describe('threadline attribution', () => {
  it('prints the JSON report with every default model, value fields and Markov removal effects', async () => {
    const { code, stdout, stderr } = await run(['--paths', analyzecore, '--null', '--value']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['total_conversions', 'total_conversion_value', 'models']);
    expect(report.total_conversions).toBe(1);
    expect(report.total_conversion_value).toBe(1000);
    expect(Object.keys(report.models)).toEqual(['first_touch', 'last_touch', 'linear', 'position_based', 'markov', 'shapley']);
    expect(report.models.first_touch.C1).toEqual({ conversions: 1, value: 1000 });
    expect(report.models.last_touch.C1).toEqual({ conversions: 0, value: 0 });
    expect(Object.keys(report.models.markov.C1)).toEqual(['removal_effect', 'removal_effect_value', 'conversions', 'value']);
    expect(report.models.markov.C1.removal_effect).toBeCloseTo(0.5, 14);
    expect(report.models.markov.C1.conversions).toBeCloseTo(0.2, 14);
    expect(report.models.markov.C2.value).toBeCloseTo(400, 10);
  });

  it('leaves out value fields without --value', async () => {
    const { code, stdout } = await run(['--paths', analyzecore, '--models', 'linear,data_driven']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).not.toHaveProperty('total_conversion_value');
    expect(Object.keys(report.models)).toEqual(['linear', 'markov']);
    expect(Object.keys(report.models.linear.C1)).toEqual(['conversions']);
    expect(Object.keys(report.models.markov.C1)).toEqual(['removal_effect', 'conversions']);
    // Without --null only the converting path shapes the chain, so every touched channel is indispensable.
    expect(report.models.markov.C1.removal_effect).toBe(1);
  });

  it('prints one CSV row per model and channel', async () => {
    const { code, stdout } = await run(['--paths', analyzecore, '--null', '--value', '--models', 'first_touch,markov', '--format', 'csv']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('model,channel,conversions,value,removal_effect,removal_effect_value');
    expect(lines).toHaveLength(1 + 2 * 3);
    expect(lines[1]).toBe('first_touch,C1,1,1000,,');
    const c2 = lines.find((l) => l.startsWith('markov,C2,'))!.split(',').map(Number);
    expect(c2[2]).toBeCloseTo(0.4, 12);
    expect(c2[4]).toBeCloseTo(1, 12);
  });

  it('honours --sep, --order and --max-step', async () => {
    const ab = file('ab.csv', 'path,total_conversions\nA|B|A|B|B|A,1\nA|B|B|A|A,1\nA|A,1\n');
    const { code, stdout } = await run(['--paths', ab, '--sep', '|', '--models', 'markov', '--max-step', '6', '--order', '1']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).models.markov.B.conversions).toBeCloseTo(0.9, 14);
  });

  it('runs time decay from touch times with a custom half-life', async () => {
    const day = 86_400_000;
    const timed = file('timed.csv', `path,total_conversions,times,conversion_time\n"a > b",1,"0 > ${day}",${day}\n`);
    const { code, stdout } = await run(['--paths', timed, '--models', 'time_decay', '--half-life-days', '1']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).models.time_decay.a.conversions).toBeCloseTo(1 / 3, 14);
  });

  it('runs every default model on a PathData-shaped file at order 3 and Markov credits every conversion', async () => {
    const { code, stdout, stderr } = await run(['--paths', pathData, '--null', '--value', '--order', '3']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(Object.keys(report.models)).toEqual(['first_touch', 'last_touch', 'linear', 'position_based', 'markov', 'shapley']);
    expect(report.total_conversions).toBe(pathDataConversions);
    const sum = Object.values(report.models.markov as Record<string, { conversions: number }>).reduce((a, c) => a + c.conversions, 0);
    expect(sum).toBeCloseTo(pathDataConversions, 8);
  });

  it.each([
    [['--paths', pathData, '--models', 'time_decay'], 'time_decay needs touch times'],
    [[], '--paths FILE is required'],
    [['--paths', join(dir, 'missing.csv')], 'ENOENT'],
    [['--paths', pathData, '--order', '0'], '--order must be a positive integer'],
    [['--paths', pathData, '--max-step', 'x'], '--max-step must be a positive integer'],
    [['--paths', pathData, '--format', 'xml'], '--format must be json or csv'],
    [['--paths', pathData, '--models', 'nope'], 'unknown model "nope"'],
    [['--paths', pathData, '--half-life-days', '0'], '--half-life-days must be a positive number'],
    [['--paths', pathData, '--bogus'], "Unknown option '--bogus'"],
    [['--paths', file('bad.csv', 'path,total_conversions\n"a",x\n')], 'bad.csv:2: total_conversions must be'],
    [['--paths', file('nonull.csv', 'path,total_conversions\na,1\n'), '--null'], '--null needs a "total_null" column'],
    [['--paths', file('novalue.csv', 'path,total_conversions\na,1\n'), '--value'], '--value needs a "total_conversion_value" column'],
  ])('exits 2 with a message for %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('usage: threadline attribution --paths FILE');
  });
});
