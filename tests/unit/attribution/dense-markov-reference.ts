// Test reference: the Markov chain and its removal effects written the slow, obvious way, to check markov() against.
import type { AttributionPath } from '../../../src/domain/attribution/index.ts';
import { denseSolve } from './dense-reference.ts';

export interface DenseChain {
  names: string[];
  q: number[][];
  r: number[];
  meanValue: number[];
}

/** The chain written the slow, obvious way: windows as strings, counts in nested maps. */
export function denseChain(paths: AttributionPath[], order: number, useNulls: boolean): DenseChain {
  const names = ['(start)'];
  const index = (name: string): number => {
    if (!names.includes(name)) names.push(name);
    return names.indexOf(name);
  };
  const counts = new Map<string, number>();
  const conv = new Map<number, number>();
  const nul = new Map<number, number>();
  const val = new Map<number, number>();
  for (const p of paths) {
    const w = p.conversions + (useNulls ? p.nulls : 0);
    if (w === 0) continue;
    const windows: string[] = [];
    if (p.channels.length <= order) windows.push(p.channels.join('|'));
    else for (let i = 0; i + order <= p.channels.length; i++) windows.push(p.channels.slice(i, i + order).join('|'));
    const states = windows.filter((s, i) => i === 0 || s !== windows[i - 1]).map(index);
    let prev = 0;
    for (const s of states) {
      counts.set(`${prev},${s}`, (counts.get(`${prev},${s}`) ?? 0) + w);
      prev = s;
    }
    conv.set(prev, (conv.get(prev) ?? 0) + p.conversions);
    nul.set(prev, (nul.get(prev) ?? 0) + (useNulls ? p.nulls : 0));
    if (p.conversions > 0) val.set(prev, (val.get(prev) ?? 0) + p.value);
  }
  const n = names.length;
  const q = names.map(() => names.map(() => 0));
  for (const [key, w] of counts) {
    const [i, j] = key.split(',').map(Number);
    q[i!]![j!] = w;
  }
  const r = names.map((_, i) => conv.get(i) ?? 0);
  const meanValue = names.map((_, i) => ((conv.get(i) ?? 0) > 0 ? (val.get(i) ?? 0) / conv.get(i)! : 0));
  for (let i = 0; i < n; i++) {
    const total = q[i]!.reduce((a, b) => a + b, 0) + r[i]! + (nul.get(i) ?? 0);
    if (total > 0) {
      q[i] = q[i]!.map((x) => x / total);
      r[i] = r[i]! / total;
    }
  }
  return { names, q, r, meanValue };
}

/** Expected visits from (start): solve (I − Q)ᵀ·y = e_start. */
function denseVisits(q: number[][]): number[] {
  const a = q.map((_, i) => q.map((__, j) => (i === j ? 1 : 0) - q[j]![i]!));
  return denseSolve(a, q.map((_, i) => (i === 0 ? 1 : 0)));
}

export function denseRemovalEffects(paths: AttributionPath[], order: number, useNulls: boolean) {
  const { names, q, r, meanValue } = denseChain(paths, order, useNulls);
  const mass = (qq: number[][], rr: number[]): [number, number] => {
    const y = denseVisits(qq);
    let p = 0;
    let v = 0;
    for (let s = 1; s < y.length; s++) {
      p += y[s]! * rr[s]!;
      v += y[s]! * rr[s]! * meanValue[s]!;
    }
    return [p, v];
  };
  const [p0, v0] = mass(q, r);
  const channels = [...new Set(paths.flatMap((p) => p.channels))];
  return new Map(
    channels.map((c) => {
      const removed = names.map((name) => name.split('|').includes(c));
      const [p, v] = mass(q.map((row, i) => (removed[i] ? row.map(() => 0) : row)), r.map((x, i) => (removed[i] ? 0 : x)));
      return [c, { re: p0 > 0 ? 1 - p / p0 : 0, rv: v0 > 0 ? 1 - v / v0 : 0 }];
    }),
  );
}
