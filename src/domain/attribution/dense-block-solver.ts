// Dense elimination for one small strongly connected block of a sparse system; exact to rounding where iteration is slow.
import type { CsrMatrix } from './sparse-linear-solve.ts';

/** Dense Gaussian elimination with partial pivoting on one block, its inputs from finished blocks moved to the right. */
export class DenseBlockSolver {
  private readonly position: Int32Array;

  constructor(n: number) {
    this.position = new Int32Array(n).fill(-1);
  }

  solve(a: CsrMatrix, b: Float64Array, x: Float64Array, block: Int32Array, active: Uint8Array | undefined): void {
    const { rowPtr, colIdx, values } = a;
    const members = active === undefined ? Array.from(block) : Array.from(block).filter((i) => active[i] === 1);
    const m = members.length;
    if (m === 0) return;
    members.forEach((i, p) => (this.position[i] = p));
    const width = m + 1;
    const matrix = new Float64Array(m * width);
    members.forEach((i, r) => {
      matrix[r * width + r] = 1;
      let rhs = b[i]!;
      for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) {
        const j = colIdx[k]!;
        const p = this.position[j]!;
        if (p >= 0) matrix[r * width + p]! -= values[k]!;
        else rhs += values[k]! * x[j]!;
      }
      matrix[r * width + m] = rhs;
    });
    for (let col = 0; col < m; col++) {
      let pivot = col;
      for (let r = col + 1; r < m; r++) if (Math.abs(matrix[r * width + col]!) > Math.abs(matrix[pivot * width + col]!)) pivot = r;
      if (pivot !== col) {
        for (let c = col; c < width; c++) {
          const t = matrix[col * width + c]!;
          matrix[col * width + c] = matrix[pivot * width + c]!;
          matrix[pivot * width + c] = t;
        }
      }
      const p = matrix[col * width + col]!;
      for (let r = col + 1; r < m; r++) {
        const f = matrix[r * width + col]! / p;
        if (f === 0) continue;
        for (let c = col; c < width; c++) matrix[r * width + c]! -= f * matrix[col * width + c]!;
      }
    }
    for (let r = m - 1; r >= 0; r--) {
      let sum = matrix[r * width + m]!;
      for (let c = r + 1; c < m; c++) sum -= matrix[r * width + c]! * x[members[c]!]!;
      x[members[r]!] = sum / matrix[r * width + r]!;
    }
    for (const i of members) this.position[i] = -1;
  }
}
