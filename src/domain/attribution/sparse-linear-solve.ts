// Sparse fixed-point solves x = b + A·x for substochastic A (absorbing chains), block by block, exact to rounding.
import { DenseBlockSolver } from './dense-block-solver.ts';

/** Compressed sparse rows: row i holds columns colIdx[rowPtr[i]..rowPtr[i+1]). */
export interface CsrMatrix {
  n: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
}

export function transpose(m: CsrMatrix): CsrMatrix {
  const { n, rowPtr, colIdx, values } = m;
  const counts = new Int32Array(n + 1);
  for (let k = 0; k < colIdx.length; k++) counts[(colIdx[k] as number) + 1]! += 1;
  for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
  const tRowPtr = counts.slice();
  const next = counts.slice(0, n);
  const tColIdx = new Int32Array(colIdx.length);
  const tValues = new Float64Array(colIdx.length);
  for (let i = 0; i < n; i++) {
    for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) {
      const j = colIdx[k]!;
      const slot = next[j]!;
      next[j] = slot + 1;
      tColIdx[slot] = i;
      tValues[slot] = values[k]!;
    }
  }
  return { n, rowPtr: tRowPtr, colIdx: tColIdx, values: tValues };
}

/** Strongly connected blocks in an order where every node a row refers to is in the same or an earlier block. */
export interface BlockOrder {
  nodes: Int32Array;
  blockStart: Int32Array;
}

/**
 * Iterative Tarjan: it emits a component only after every component reachable from it, which is exactly
 * "dependencies first" for x_i = b_i + Σ_j A_ij·x_j. Solving block by block makes acyclic parts exact in one
 * pass and confines iteration to the cycles.
 */
export function blockOrder(a: CsrMatrix): BlockOrder {
  const { n, rowPtr, colIdx } = a;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const nodes = new Int32Array(n);
  const starts: number[] = [];
  let stackTop = 0;
  let counter = 0;
  let emitted = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = rowPtr[root]!;
    index[root] = low[root] = counter++;
    stack[stackTop++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth]!;
      const edge = callEdge[depth]!;
      if (edge < rowPtr[v + 1]!) {
        callEdge[depth] = edge + 1;
        const w = colIdx[edge]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[stackTop++] = w;
          onStack[w] = 1;
          depth += 1;
          callNode[depth] = w;
          callEdge[depth] = rowPtr[w]!;
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      if (low[v] === index[v]) {
        starts.push(emitted);
        let w: number;
        do {
          w = stack[--stackTop]!;
          onStack[w] = 0;
          nodes[emitted++] = w;
        } while (w !== v);
      }
      depth -= 1;
      if (depth >= 0) {
        const parent = callNode[depth]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
    }
  }
  starts.push(emitted);
  return { nodes, blockStart: Int32Array.from(starts) };
}

export interface FixedPointOptions {
  /** Nodes with active[i] = 0 are held at 0 (a removed, absorbing state). Default: all active. */
  active?: Uint8Array;
  /** Starting guess for iterated blocks; any start converges, a close one saves sweeps. */
  initial?: Float64Array;
  /** Relative accuracy target on each iterated block. */
  tolerance?: number;
  /** Cyclic blocks up to this size are solved by dense elimination, larger ones iterated. Default 128. */
  denseBlockLimit?: number;
}

const MAX_SWEEPS = 1_000_000;
const DEFAULT_DENSE_BLOCK_LIMIT = 128;

/**
 * Solves x = b + A·x block by block in dependency order. A must have spectral radius < 1 on every block (true for
 * the transient part of an absorbing chain and its transpose). Small cyclic blocks are eliminated directly (exact
 * to rounding); large ones use Gauss–Seidel on (I − A), stopped when the extrapolated remaining error δ·ρ/(1−ρ),
 * with ρ the observed contraction, is below tolerance, or when changes stall at rounding level; the accuracy of an
 * iterated block is then about 16·ε/(1−ρ), far below 1e-12 for chains whose walks are not extremely long.
 */
export function solveFixedPoint(a: CsrMatrix, b: Float64Array, order: BlockOrder, options: FixedPointOptions = {}): Float64Array {
  const { active } = options;
  const tolerance = options.tolerance ?? 1e-14;
  const denseLimit = options.denseBlockLimit ?? DEFAULT_DENSE_BLOCK_LIMIT;
  const x = options.initial === undefined ? new Float64Array(a.n) : Float64Array.from(options.initial);
  // Zero removed nodes up front: a warm start's stale value must never be read by an earlier node of the block.
  if (active !== undefined) for (let i = 0; i < a.n; i++) if (active[i] === 0) x[i] = 0;
  const { nodes, blockStart } = order;
  const dense = new DenseBlockSolver(a.n);
  for (let blk = 0; blk + 1 < blockStart.length; blk++) {
    const from = blockStart[blk]!;
    const to = blockStart[blk + 1]!;
    if (to - from === 1) {
      // A lone node depends only on finished blocks (and itself), so one update is exact.
      const i = nodes[from]!;
      if (active === undefined || active[i] === 1) x[i] = gaussSeidelUpdate(a, b, x, i);
    } else if (to - from <= denseLimit) {
      dense.solve(a, b, x, nodes.subarray(from, to), active);
    } else {
      iterateBlock(a, b, x, nodes.subarray(from, to), active, tolerance);
    }
  }
  return x;
}

/** x_i = (b_i + Σ_{j≠i} a_ij·x_j) / (1 − a_ii): the Gauss–Seidel step for row i of (I − A)·x = b. */
function gaussSeidelUpdate(a: CsrMatrix, b: Float64Array, x: Float64Array, i: number): number {
  const { rowPtr, colIdx, values } = a;
  let sum = b[i]!;
  let diagonal = 1;
  for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) {
    const j = colIdx[k]!;
    if (j === i) diagonal -= values[k]!;
    else sum += values[k]! * x[j]!;
  }
  return sum / diagonal;
}

function iterateBlock(a: CsrMatrix, b: Float64Array, x: Float64Array, block: Int32Array, active: Uint8Array | undefined, tolerance: number): void {
  let previousDelta = Infinity;
  let settled = 0;
  for (let sweep = 0; ; sweep++) {
    let delta = 0;
    let scale = 0;
    for (const i of block) {
      if (active !== undefined && active[i] === 0) continue;
      const next = gaussSeidelUpdate(a, b, x, i);
      const change = Math.abs(next - x[i]!);
      if (change > delta) delta = change;
      if (next > scale) scale = next;
      x[i] = next;
    }
    if (delta === 0) return;
    const rate = delta / previousDelta;
    // Two agreeing sweeps in a row, so that one lucky ratio early on cannot stop the block.
    settled = sweep > 0 && rate < 1 && (delta * rate) / (1 - rate) <= tolerance * scale ? settled + 1 : 0;
    if (settled >= 2) return;
    // Changes no longer shrink and are down at rounding level: more sweeps cannot help.
    if (sweep > 0 && rate >= 1 && delta <= 16 * Number.EPSILON * scale) return;
    if (sweep >= MAX_SWEEPS) throw new Error(`fixed-point solve did not converge in ${MAX_SWEEPS} sweeps; the chain is not absorbing`);
    previousDelta = delta;
  }
}

/**
 * Σ_{t=1..steps} e_start·Q^t, i.e. expected visits to each state within the first `steps` states of a walk,
 * for a finite horizon; inactive states absorb (their mass is dropped).
 */
export function truncatedVisits(q: CsrMatrix, start: number, steps: number, active?: Uint8Array): Float64Array {
  const { n, rowPtr, colIdx, values } = q;
  const visits = new Float64Array(n);
  let current = new Float64Array(n);
  let next = new Float64Array(n);
  current[start] = 1;
  for (let t = 1; t <= steps; t++) {
    next.fill(0);
    let mass = 0;
    for (let i = 0; i < n; i++) {
      const p = current[i]!;
      if (p === 0) continue;
      for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) {
        const j = colIdx[k]!;
        if (active !== undefined && active[j] === 0) continue;
        next[j]! += p * values[k]!;
      }
    }
    for (let j = 0; j < n; j++) {
      visits[j]! += next[j]!;
      mass += next[j]!;
    }
    if (mass === 0) break;
    [current, next] = [next, current];
  }
  return visits;
}
