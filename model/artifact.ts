import { createHash } from 'node:crypto';
import { easePositions, type EaseModel } from './ease.ts';
import type { FactorModel } from './factor-model.ts';
import { gramian } from './ials.ts';
import type { IalsRanking } from './ials-ranking.ts';
import { IdIndex } from './id-index.ts';
import type { CooccurrenceModel, NeighborModel } from './neighbors.ts';
import type { RankingParams, RatingBlend, Recommender } from './recommender.ts';
import type { SimilarLists } from './similar.ts';

/**
 * The model artifact: `model.bin` (every array of a Recommender, little-endian, 8-byte aligned
 * sections behind a JSON section table) and `manifest.json` (what the model is, how it scored,
 * what data it saw, and the sha256 of every file). The manifest is written last and its own sha256
 * is the artifact's digest: a reader that checks it against the digest it was given, then every
 * file against the manifest, can never load a half-written or altered model.
 */
export const ARTIFACT_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.bin';
export const MANIFEST_FILE = 'manifest.json';
const MAGIC = 'MRECO01\n';

export interface ArtifactFileEntry {
  name: string;
  sha256: string;
  sizeBytes: number;
}

export interface ArtifactManifest {
  formatVersion: number;
  kind: 'movie-reco/recommender';
  model: string;
  run: string;
  createdAt: string;
  dimensions: { factors: number; stride: number; users: number; movies: number };
  blend: RatingBlend;
  ranking: RankingParams;
  neighbors: { k: number } | null;
  metrics: Record<string, number>;
  training: Record<string, unknown>;
  dataSnapshot: Record<string, unknown>;
  files: ArtifactFileEntry[];
}

export type ManifestDescription = Pick<ArtifactManifest, 'model' | 'run' | 'metrics' | 'training' | 'dataSnapshot'> & {
  createdAt?: string;
};

export interface EncodedArtifact {
  manifest: ArtifactManifest;
  /** Exactly the bytes to store as manifest.json. */
  manifestBytes: Uint8Array;
  /** sha256 of manifestBytes, "sha256:<hex>". */
  digest: string;
  files: Map<string, Uint8Array>;
}

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactError';
  }
}

type SectionArray = Int32Array | Float32Array;
interface Section {
  name: string;
  type: 'i32' | 'f32';
  offset: number;
  length: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function encodeArtifact(model: Recommender, description: ManifestDescription): EncodedArtifact {
  const f = model.factors;
  const arrays: Record<string, SectionArray> = {
    userIds: f.users.toInt32Array(),
    movieIds: f.items.toInt32Array(),
    userBias: f.userBias,
    itemBias: f.itemBias,
    userFactors: f.userFactors,
    itemFactors: f.itemFactors,
    popularity: model.popularity,
    ratedOffsets: model.rated.offsets,
    ratedItems: model.rated.items,
    ratedRatings: model.rated.ratings,
  };
  if (model.neighbors) {
    Object.assign(arrays, {
      baselineUserBias: model.neighbors.baseline.userBias,
      baselineItemBias: model.neighbors.baseline.itemBias,
      neighborOffsets: model.neighbors.offsets,
      neighborItems: model.neighbors.neighborItems,
      neighborSimilarities: model.neighbors.similarities,
    });
  }
  if (model.cooccurrence) {
    Object.assign(arrays, {
      cooccurrenceOffsets: model.cooccurrence.offsets,
      cooccurrenceItems: model.cooccurrence.neighborItems,
      cooccurrenceSimilarities: model.cooccurrence.similarities,
    });
  }
  if (model.ease) Object.assign(arrays, { easeItems: model.ease.items, easeWeights: model.ease.weights });
  // the Gramian is recomputed at load: it is a function of the item factors
  if (model.ials) Object.assign(arrays, { ialsItemFactors: model.ials.itemFactors });
  if (model.similar) {
    Object.assign(arrays, {
      similarOffsets: model.similar.offsets,
      similarItems: model.similar.items,
      similarScores: model.similar.scores,
    });
  }
  const scalars = {
    mean: f.mean,
    baselineMean: model.neighbors?.baseline.mean ?? null,
    easeLambda: model.ease?.lambda ?? null,
    ials: model.ials
      ? {
          factors: model.ials.factors,
          regularization: model.ials.regularization,
          unobservedWeight: model.ials.unobservedWeight,
          frequencyExponent: model.ials.frequencyExponent,
        }
      : null,
  };
  const body = packSections(arrays, scalars);
  const files = new Map([[MODEL_FILE, body]]);
  const manifest: ArtifactManifest = {
    formatVersion: ARTIFACT_FORMAT_VERSION,
    kind: 'movie-reco/recommender',
    model: description.model,
    run: description.run,
    createdAt: description.createdAt ?? new Date().toISOString(),
    dimensions: { factors: f.factors, stride: f.stride, users: f.users.size, movies: f.items.size },
    blend: model.blend,
    ranking: model.ranking,
    neighbors: model.neighbors ? { k: model.neighbors.k } : null,
    metrics: description.metrics,
    training: description.training,
    dataSnapshot: description.dataSnapshot,
    files: [...files].map(([name, bytes]) => ({ name, sha256: sha256Hex(bytes), sizeBytes: bytes.byteLength })),
  };
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, manifestBytes, digest: `sha256:${sha256Hex(manifestBytes)}`, files };
}

/** Parses and checks manifest.json; with `expectedDigest`, refuses any other manifest. */
export function parseManifest(bytes: Uint8Array, expectedDigest?: string): ArtifactManifest {
  const digest = `sha256:${sha256Hex(bytes)}`;
  if (expectedDigest && digest !== expectedDigest) {
    throw new ArtifactError(`manifest digest ${digest} does not match the expected ${expectedDigest}`);
  }
  let manifest: ArtifactManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes)) as ArtifactManifest;
  } catch (error) {
    throw new ArtifactError(`manifest.json is not valid JSON: ${(error as Error).message}`);
  }
  if (manifest.kind !== 'movie-reco/recommender')
    throw new ArtifactError(`not a movie-reco model artifact (kind ${String(manifest.kind)})`);
  if (manifest.formatVersion !== ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactError(
      `artifact format ${manifest.formatVersion} is not supported (this build reads ${ARTIFACT_FORMAT_VERSION})`,
    );
  }
  if (!Array.isArray(manifest.files) || !manifest.files.some((file) => file.name === MODEL_FILE)) {
    throw new ArtifactError(`manifest lists no ${MODEL_FILE}`);
  }
  return manifest;
}

/** Checks a file against its manifest entry: size and sha256. */
export function verifyFile(manifest: ArtifactManifest, name: string, bytes: Uint8Array): void {
  const entry = manifest.files.find((file) => file.name === name);
  if (!entry) throw new ArtifactError(`${name} is not listed in the manifest`);
  if (bytes.byteLength !== entry.sizeBytes) {
    throw new ArtifactError(`${name} is ${bytes.byteLength} bytes, the manifest says ${entry.sizeBytes}`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== entry.sha256)
    throw new ArtifactError(`${name} sha256 ${actual} does not match the manifest's ${entry.sha256}`);
}

/** Rebuilds the Recommender from a verified model.bin. */
export function decodeArtifact(manifest: ArtifactManifest, modelBytes: Uint8Array): Recommender {
  verifyFile(manifest, MODEL_FILE, modelBytes);
  const { arrays, scalars } = unpackSections(modelBytes);
  const need = <T extends SectionArray>(name: string, type: new (...args: never[]) => T): T => {
    const array = arrays.get(name);
    if (!(array instanceof type)) throw new ArtifactError(`${MODEL_FILE} has no ${name} section of the right type`);
    return array as T;
  };
  const { factors, stride, users: userCount, movies: movieCount } = manifest.dimensions;
  const userIds = need('userIds', Int32Array);
  const movieIds = need('movieIds', Int32Array);
  const expectLength = (name: string, array: SectionArray, length: number): void => {
    if (array.length !== length) throw new ArtifactError(`${name} has ${array.length} values, expected ${length}`);
  };
  expectLength('userIds', userIds, userCount);
  expectLength('movieIds', movieIds, movieCount);
  const factorModel: FactorModel = {
    factors,
    stride,
    mean: Number(scalars.mean),
    users: IdIndex.fromIds(userIds),
    items: IdIndex.fromIds(movieIds),
    userBias: need('userBias', Float32Array),
    itemBias: need('itemBias', Float32Array),
    userFactors: need('userFactors', Float32Array),
    itemFactors: need('itemFactors', Float32Array),
  };
  expectLength('userFactors', factorModel.userFactors, userCount * stride);
  expectLength('itemFactors', factorModel.itemFactors, movieCount * stride);
  let neighbors: NeighborModel | null = null;
  if (manifest.neighbors) {
    neighbors = {
      baseline: {
        mean: Number(scalars.baselineMean),
        userBias: need('baselineUserBias', Float32Array),
        itemBias: need('baselineItemBias', Float32Array),
      },
      offsets: need('neighborOffsets', Int32Array),
      neighborItems: need('neighborItems', Int32Array),
      similarities: need('neighborSimilarities', Float32Array),
      k: manifest.neighbors.k,
    };
    expectLength('neighborOffsets', neighbors.offsets, movieCount + 1);
  }
  /** A per-movie CSR table (offsets, movies, values) stored under `prefix`Offsets/Items/`values`. */
  const movieTable = (prefix: string, values: string) => {
    const offsets = need(`${prefix}Offsets`, Int32Array);
    const items = need(`${prefix}Items`, Int32Array);
    const scores = need(`${prefix}${values}`, Float32Array);
    expectLength(`${prefix}Offsets`, offsets, movieCount + 1);
    expectLength(`${prefix}${values}`, scores, items.length);
    return { offsets, items, scores };
  };
  let cooccurrence: CooccurrenceModel | null = null;
  if (arrays.has('cooccurrenceOffsets')) {
    const { offsets, items, scores } = movieTable('cooccurrence', 'Similarities');
    cooccurrence = { offsets, neighborItems: items, similarities: scores };
  }
  let ease: EaseModel | null = null;
  if (arrays.has('easeItems')) {
    const items = need('easeItems', Int32Array);
    const weights = need('easeWeights', Float32Array);
    expectLength('easeWeights', weights, items.length * items.length);
    if (items.some((item) => item < 0 || item >= movieCount))
      throw new ArtifactError('easeItems holds a movie index outside the catalogue');
    const positions = easePositions(items, movieCount);
    ease = { items, weights, lambda: Number(scalars.easeLambda), positions };
  }
  let ials: IalsRanking | null = null;
  if (arrays.has('ialsItemFactors')) {
    const weights = scalars.ials as Omit<IalsRanking, 'itemFactors' | 'gramian'> | null;
    if (!weights || !Number.isInteger(weights.factors) || weights.factors < 1)
      throw new ArtifactError(`${MODEL_FILE} has iALS item factors but no iALS weights`);
    const itemFactors = need('ialsItemFactors', Float32Array);
    expectLength('ialsItemFactors', itemFactors, movieCount * weights.factors);
    ials = { ...weights, itemFactors, gramian: gramian(itemFactors, weights.factors) };
  }
  const similar: SimilarLists | null = arrays.has('similarOffsets') ? movieTable('similar', 'Scores') : null;
  const rated = {
    offsets: need('ratedOffsets', Int32Array),
    items: need('ratedItems', Int32Array),
    ratings: need('ratedRatings', Float32Array),
  };
  expectLength('ratedOffsets', rated.offsets, userCount + 1);
  return {
    factors: factorModel,
    neighbors,
    cooccurrence,
    ease,
    ials,
    similar,
    blend: manifest.blend,
    ranking: manifest.ranking,
    popularity: need('popularity', Int32Array),
    rated,
  };
}

function packSections(arrays: Record<string, SectionArray>, scalars: Record<string, unknown>): Uint8Array {
  const align = (n: number): number => Math.ceil(n / 8) * 8;
  const sections: Section[] = [];
  let dataSize = 0;
  for (const [name, array] of Object.entries(arrays)) {
    sections.push({ name, type: array instanceof Int32Array ? 'i32' : 'f32', offset: dataSize, length: array.length });
    dataSize = align(dataSize + array.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ sections, scalars }));
  const dataStart = align(MAGIC.length + 4 + header.byteLength);
  const out = new Uint8Array(dataStart + dataSize);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.byteLength, true);
  out.set(header, MAGIC.length + 4);
  sections.forEach((section, k) => {
    const array = Object.values(arrays)[k]!;
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + section.offset);
  });
  return out;
}

function unpackSections(bytes: Uint8Array): { arrays: Map<string, SectionArray>; scalars: Record<string, unknown> } {
  // One copy into a fresh buffer: typed-array views need aligned offsets, which a Buffer from a
  // socket or a file pool does not promise.
  const own = bytes.slice();
  if (new TextDecoder().decode(own.subarray(0, MAGIC.length)) !== MAGIC)
    throw new ArtifactError(`${MODEL_FILE} is not a movie-reco model file`);
  const headerLength = new DataView(own.buffer).getUint32(MAGIC.length, true);
  const header = JSON.parse(
    new TextDecoder().decode(own.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)),
  ) as {
    sections: Section[];
    scalars: Record<string, unknown>;
  };
  const dataStart = Math.ceil((MAGIC.length + 4 + headerLength) / 8) * 8;
  const arrays = new Map<string, SectionArray>();
  for (const section of header.sections) {
    const start = dataStart + section.offset;
    if (start + section.length * 4 > own.byteLength)
      throw new ArtifactError(`${MODEL_FILE} section ${section.name} runs past the end of the file`);
    arrays.set(
      section.name,
      section.type === 'i32'
        ? new Int32Array(own.buffer, start, section.length)
        : new Float32Array(own.buffer, start, section.length),
    );
  }
  return { arrays, scalars: header.scalars };
}
