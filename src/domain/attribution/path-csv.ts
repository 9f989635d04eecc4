// Parses ChannelAttribution's path CSV ("path","total_conversions","total_conversion_value","total_null"); pure.
import type { AttributionPath } from './attribution-path.ts';

/**
 * Columns: `path` and `total_conversions` are required; `total_conversion_value`, `total_null`, and for time decay
 * `times` (epoch ms per touch, same separator as the path) and `conversion_time` (epoch ms) are optional.
 */
export interface ParsedPathCsv {
  paths: AttributionPath[];
  hasValue: boolean;
  hasNulls: boolean;
  hasTimes: boolean;
}

export interface PathCsvError {
  code: 'invalid_csv';
  message: string;
  /** 1-based line where the offending record starts. */
  line: number;
}

export type PathCsvOutcome = { ok: true; value: ParsedPathCsv } | { ok: false; error: PathCsvError };

export interface PathCsvOptions {
  /** Touch separator; surrounding spaces are trimmed. Default ">". */
  separator?: string;
}

interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * RFC 4180 records: quoted fields may hold separators, doubled quotes and newlines. Blank lines are skipped.
 * Fields are sliced, not built a character at a time, so they are flat strings that later splitting reads fast.
 */
export function parseCsvRecords(text: string): CsvRecord[] | PathCsvError {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = body.length;
  while (i <= n) {
    let field: string;
    if (body[i] === '"') {
      const parts: string[] = [];
      let from = i + 1;
      for (;;) {
        const quote = body.indexOf('"', from);
        if (quote === -1) return { code: 'invalid_csv', message: 'a quoted field is never closed', line: recordLine };
        parts.push(body.slice(from, quote));
        if (body[quote + 1] === '"') {
          parts.push('"');
          from = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      field = parts.join('');
      for (const ch of field) if (ch === '\n') line += 1;
      // Anything between the closing quote and the next separator is kept, as lenient readers do.
      const end = nextDelimiter(body, i);
      field += body.slice(i, end);
      i = end;
    } else {
      const end = nextDelimiter(body, i);
      field = body.slice(i, end);
      if (field.includes('"')) return { code: 'invalid_csv', message: 'a quote inside an unquoted field', line };
      i = end;
    }
    fields.push(field);
    const ch = body[i];
    if (ch === ',') {
      i += 1;
      continue;
    }
    // End of record: a newline (CRLF, LF or CR) or the end of the text. A lone empty field is a blank line.
    if (fields.length > 1 || fields[0] !== '') records.push({ fields, line: recordLine });
    fields = [];
    if (ch === '\r' && body[i + 1] === '\n') i += 1;
    i += 1;
    line += 1;
    recordLine = line;
  }
  return records;
}

function nextDelimiter(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 10 || c === 13) return i;
  }
  return text.length;
}

export function splitPath(path: string, separator: string): string[] {
  return path
    .split(separator)
    .map((touch) => touch.trim())
    .filter((touch) => touch !== '');
}

function parseNumber(raw: string | undefined, column: string, line: number, min?: number): number | PathCsvError {
  const text = (raw ?? '').trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || (min !== undefined && value < min)) {
    const need = min === undefined ? 'a finite number' : `a finite number ≥ ${min}`;
    return { code: 'invalid_csv', message: `${column} must be ${need}, got ${JSON.stringify(raw ?? '')}`, line };
  }
  return value;
}

const isError = (x: unknown): x is PathCsvError => typeof x === 'object' && x !== null && 'code' in x;

export function parsePathCsv(text: string, options: PathCsvOptions = {}): PathCsvOutcome {
  const separator = options.separator ?? '>';
  if (separator.trim() === '') return { ok: false, error: { code: 'invalid_csv', message: 'the path separator must not be blank', line: 1 } };
  const records = parseCsvRecords(text);
  if (isError(records)) return { ok: false, error: records };
  const [header, ...rows] = records;
  if (header === undefined) return { ok: false, error: { code: 'invalid_csv', message: 'the file is empty', line: 1 } };
  const column = new Map(header.fields.map((name, i) => [name.trim(), i]));
  const pathAt = column.get('path');
  const conversionsAt = column.get('total_conversions');
  if (pathAt === undefined || conversionsAt === undefined) {
    return {
      ok: false,
      error: { code: 'invalid_csv', message: 'the header must name the columns "path" and "total_conversions"', line: header.line },
    };
  }
  const valueAt = column.get('total_conversion_value');
  const nullsAt = column.get('total_null');
  const timesAt = column.get('times');
  const conversionTimeAt = column.get('conversion_time');

  const paths: AttributionPath[] = [];
  for (const { fields, line } of rows) {
    const fail = (message: string): PathCsvOutcome => ({ ok: false, error: { code: 'invalid_csv', message, line } });
    if (fields.length !== header.fields.length) return fail(`expected ${header.fields.length} fields, found ${fields.length}`);
    const channels = splitPath(fields[pathAt] ?? '', separator);
    if (channels.length === 0) return fail('the path has no touches');
    const conversions = parseNumber(fields[conversionsAt], 'total_conversions', line, 0);
    if (isError(conversions)) return { ok: false, error: conversions };
    const value = valueAt === undefined ? 0 : parseNumber(fields[valueAt], 'total_conversion_value', line);
    if (isError(value)) return { ok: false, error: value };
    const nulls = nullsAt === undefined ? 0 : parseNumber(fields[nullsAt], 'total_null', line, 0);
    if (isError(nulls)) return { ok: false, error: nulls };
    const path: AttributionPath = { channels, conversions, value, nulls };
    if (timesAt !== undefined && (fields[timesAt] ?? '').trim() !== '') {
      const times: number[] = [];
      for (const raw of splitPath(fields[timesAt] ?? '', separator)) {
        const t = parseNumber(raw, 'times', line);
        if (isError(t)) return { ok: false, error: t };
        times.push(t);
      }
      if (times.length !== channels.length) return fail(`${times.length} touch times for ${channels.length} touches`);
      path.times = times;
    }
    if (conversionTimeAt !== undefined && (fields[conversionTimeAt] ?? '').trim() !== '') {
      const t = parseNumber(fields[conversionTimeAt], 'conversion_time', line);
      if (isError(t)) return { ok: false, error: t };
      path.conversionTime = t;
    }
    paths.push(path);
  }
  return {
    ok: true,
    value: { paths, hasValue: valueAt !== undefined, hasNulls: nullsAt !== undefined, hasTimes: timesAt !== undefined },
  };
}
