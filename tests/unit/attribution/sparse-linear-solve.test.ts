// Sparse block Gauss–Seidel against dense elimination, and the block order it relies on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockOrder, solveFixedPoint, transpose, truncatedVisits, type CsrMatrix } from '../../../src/domain/attribution/sparse-linear-solve.ts';
import { denseSolve } from './dense-reference.ts';

const SEED = 20_261_123;

/** Random substochastic matrices: each row keeps at least `leak` of its mass out of the system. */
const matrixArb = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.array(fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.double({ min: 0.01, max: 1, noNaN: true })), { maxLength: 4 }), { minLength: n, maxLength: n }),
    fc.array(fc.double({ min: 0.01, max: 0.9, noNaN: true }), { minLength: n, maxLength: n }),
  ),
);

function toDense([n, rows, leaks]: [number, [number, number][][], number[]]): number[][] {
  const dense = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  rows.forEach((entries, i) => {
    for (const [j, w] of entries) dense[i]![j]! += w;
    const sum = dense[i]!.reduce((a, b) => a + b, 0);
    if (sum > 0) dense[i] = dense[i]!.map((x) => (x / sum) * (1 - leaks[i]!));
  });
  return dense;
}

function toCsr(dense: number[][]): CsrMatrix {
  const rowPtr = [0];
  const colIdx: number[] = [];
  const values: number[] = [];
  for (const row of dense) {
    row.forEach((x, j) => {
      if (x !== 0) {
        colIdx.push(j);
        values.push(x);
      }
    });
    rowPtr.push(colIdx.length);
  }
  return { n: dense.length, rowPtr: Int32Array.from(rowPtr), colIdx: Int32Array.from(colIdx), values: Float64Array.from(values) };
}


describe('blockOrder', () => {
  it('puts every node a row refers to in the same or an earlier block, and mutually reachable nodes together', () => {
    fc.assert(
      fc.property(matrixArb, (spec) => {
        const dense = toDense(spec);
        const { nodes, blockStart } = blockOrder(toCsr(dense));
        const n = dense.length;
        expect([...nodes].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
        const blockOf = new Array<number>(n);
        for (let b = 0; b + 1 < blockStart.length; b++) for (let p = blockStart[b]!; p < blockStart[b + 1]!; p++) blockOf[nodes[p]!] = b;
        // Reachability by Floyd–Warshall closure.
        const reach = dense.map((row, i) => row.map((x, j) => x > 0 || i === j));
        for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) reach[i]![j] ||= reach[i]![k]! && reach[k]![j]!;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (dense[i]![j]! > 0) expect(blockOf[j]!).toBeLessThanOrEqual(blockOf[i]!);
            expect(blockOf[i] === blockOf[j]).toBe(reach[i]![j]! && reach[j]![i]!);
          }
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('solveFixedPoint', () => {
  it('solves x = b + A·x like dense elimination, by elimination or iteration, with removed nodes and warm starts', () => {
    fc.assert(
      fc.property(matrixArb, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), fc.boolean(), fc.constantFrom(1, 128), (spec, keep, warm, denseBlockLimit) => {
        const dense = toDense(spec);
        const n = dense.length;
        const b = dense.map((_, i) => (i * 7) % 3);
        const active = Uint8Array.from(dense, (_, i) => (keep[i] ? 1 : 0));
        const masked = dense.map((row, i) => row.map((x, j) => (active[i] && active[j] ? x : 0)));
        const expected = denseSolve(masked.map((row, i) => row.map((x, j) => (i === j ? 1 : 0) - x)), b.map((x, i) => (active[i] ? x : 0)));
        const a = toCsr(dense);
        const initial = warm ? Float64Array.from(denseSolve(dense.map((row, i) => row.map((x, j) => (i === j ? 1 : 0) - x)), b)) : undefined;
        const x = solveFixedPoint(a, Float64Array.from(b), blockOrder(a), { active, initial, denseBlockLimit });
        for (let i = 0; i < n; i++) expect(Math.abs(x[i]! - expected[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected[i]!)));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('solves a slowly mixing cycle (return probability 0.999) exactly by elimination and to ~16ε/(1−ρ) by iteration', () => {
    const dense = [
      [0, 0.999],
      [1, 0],
    ];
    const a = toCsr(dense);
    // x1 = 1 + x0, x0 = 0.999·x1 → x1 = 1000.
    expect(solveFixedPoint(a, Float64Array.from([0, 1]), blockOrder(a))[1]).toBeCloseTo(1000, 11);
    expect(solveFixedPoint(a, Float64Array.from([0, 1]), blockOrder(a), { denseBlockLimit: 1 })[1]).toBeCloseTo(1000, 8);
  });

  it('solves a self-loop in one step', () => {
    const a = toCsr([[0.999]]);
    expect(solveFixedPoint(a, Float64Array.from([1]), blockOrder(a))[0]).toBeCloseTo(1000, 11);
  });
});

describe('transpose and truncatedVisits', () => {
  it('sum e_start·Qᵗ for t = 1..M like dense powers', () => {
    fc.assert(
      fc.property(matrixArb, fc.integer({ min: 1, max: 9 }), (spec, steps) => {
        const dense = toDense(spec);
        const q = toCsr(dense);
        expect(transpose(transpose(q))).toEqual(q);
        let row: number[] = dense.map((_, i) => (i === 0 ? 1 : 0));
        const expected = row.map(() => 0);
        for (let t = 1; t <= steps; t++) {
          row = dense.map((_, j) => row.reduce((acc, x, i) => acc + x * dense[i]![j]!, 0));
          row.forEach((x, j) => (expected[j]! += x));
        }
        const visits = truncatedVisits(q, 0, steps);
        expected.forEach((x, j) => expect(visits[j]).toBeCloseTo(x, 12));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
