import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

/** The exports of kernel/sgd.ts once compiled; offsets are byte addresses in linear memory. */
export interface SgdExports {
  epoch(
    userOrder: number,
    userCount: number,
    offsets: number,
    items: number,
    ratings: number,
    p: number,
    q: number,
    y: number,
    bu: number,
    bi: number,
    stride: number,
    z: number,
    g: number,
    implicit: boolean,
    mean: number,
    lrBias: number,
    lrFactor: number,
    regUserBias: number,
    regItemBias: number,
    regFactor: number,
    regImplicit: number,
  ): number;
  heldOutSse(
    userCount: number,
    offsets: number,
    items: number,
    evalOffsets: number,
    evalItems: number,
    evalRatings: number,
    p: number,
    q: number,
    y: number,
    bu: number,
    bi: number,
    stride: number,
    z: number,
    implicit: boolean,
    mean: number,
  ): number;
  foldImplicit(
    userCount: number,
    offsets: number,
    items: number,
    p: number,
    y: number,
    stride: number,
    z: number,
  ): void;
}

/** The exports of kernel/cooccurrence.ts. `stats` holds 4 f64 per item: count, cross, own, other. */
export interface CooccurrenceExports {
  accumulateRow(
    item: number,
    itemOffsets: number,
    itemUsers: number,
    itemResiduals: number,
    userOffsets: number,
    userPairs: number,
    stats: number,
    touched: number,
  ): number;
  similarityRow(
    item: number,
    touchedCount: number,
    itemCounts: number,
    minSupport: number,
    shrinkage: number,
    stats: number,
    touched: number,
    pearsonItems: number,
    pearsonSims: number,
    cosineItems: number,
    cosineSims: number,
  ): number;
  keepBest(items: number, sims: number, count: number, keep: number, keys: number): number;
}

/** The exports of kernel/ease.ts: the Gram matrix and the in-place inverse of the EASE fit. */
export interface EaseExports {
  accumulateGram(userOffsets: number, userItems: number, userCount: number, a: number, ld: number): void;
  invertInPlace(a: number, ld: number, block: number, r: number, d: number, saved: number): void;
}

/** The exports of kernel/ials.ts: one iALS half-epoch by conjugate gradient, and a row's dot products. */
export interface IalsExports {
  solveSide(
    offsets: number,
    columns: number,
    rows: number,
    own: number,
    other: number,
    g: number,
    k: number,
    alpha: number,
    regularization: number,
    exponent: number,
    otherCount: number,
    cgSteps: number,
    scratch: number,
  ): void;
  dotRows(row: number, rows: number, count: number, k: number, out: number): void;
}

export interface KernelExports {
  sgd: SgdExports;
  cooccurrence: CooccurrenceExports;
  ease: EaseExports;
  ials: IalsExports;
}

const compiled = new Map<keyof KernelExports, WebAssembly.Module>();

function kernelModule(name: keyof KernelExports): WebAssembly.Module {
  let module = compiled.get(name);
  if (!module) {
    const wasmPath = fileURLToPath(new URL(`./${name}.wasm`, import.meta.url));
    if (!existsSync(wasmPath)) {
      throw new Error(`${wasmPath} is missing: run \`npm run build:kernel\` (npm ci runs it for you)`);
    }
    // V8 first runs WebAssembly on its baseline compiler and only switches to optimized code
    // between calls; an epoch is one long call, so the first epoch of every job ran ~3x slower.
    // Compiling the kernel optimized up front removes that (measured: 214 ms -> 70 ms, ml-1m size).
    setFlagsFromString('--no-liftoff');
    module = new WebAssembly.Module(readFileSync(wasmPath));
    compiled.set(name, module);
  }
  return module;
}

export type ArrayKind = 'i32' | 'f32' | 'f64';
type ViewOf<K extends ArrayKind> = K extends 'i32' ? Int32Array : K extends 'f32' ? Float32Array : Float64Array;
export type Layout = Record<string, readonly [ArrayKind, number]>;
export type Views<L extends Layout> = { [name in keyof L]: ViewOf<L[name][0]> };
export type Offsets<L extends Layout> = { [name in keyof L]: number };

/**
 * One WebAssembly instance with its own memory, laid out once for a training job: every array
 * gets a 16-byte aligned region (so f32x4 loads are aligned) and a typed-array view over it.
 */
export class KernelWorkspace<L extends Layout, K extends keyof KernelExports = 'sgd'> {
  readonly exports: KernelExports[K];
  readonly views: Views<L>;
  readonly offsets: Offsets<L>;

  constructor(layout: L, kernel: K = 'sgd' as K) {
    const offsets = {} as Record<string, number>;
    let end = 16;
    for (const [name, [kind, length]] of Object.entries(layout)) {
      offsets[name] = end;
      end += Math.ceil((length * (kind === 'f64' ? 8 : 4)) / 16) * 16;
    }
    const pages = Math.ceil(end / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const instance = new WebAssembly.Instance(kernelModule(kernel), {
      env: {
        memory,
        abort: () => {
          throw new Error(`${kernel} kernel aborted`);
        },
      },
    });
    this.exports = instance.exports as unknown as KernelExports[K];
    const views = {} as Record<string, Int32Array | Float32Array | Float64Array>;
    for (const [name, [kind, length]] of Object.entries(layout)) {
      const offset = offsets[name]!;
      views[name] =
        kind === 'i32'
          ? new Int32Array(memory.buffer, offset, length)
          : kind === 'f32'
            ? new Float32Array(memory.buffer, offset, length)
            : new Float64Array(memory.buffer, offset, length);
    }
    this.views = views as Views<L>;
    this.offsets = offsets as Offsets<L>;
  }
}
