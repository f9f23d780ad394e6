/**
 * node bench/similar-examples.ts ARTIFACT_DIR DATASET_DIR [title...]: a few famous movies' similar
 * lists from a model artifact (the folder holding manifest.json and model.bin, e.g. one the demo
 * wrote), as the service serves them, beside the cosine of factor vectors that served them before.
 * Prints markdown.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDataset } from '../data/dataset.ts';
import { decodeArtifact, MANIFEST_FILE, MODEL_FILE, parseManifest } from '../model/artifact.ts';
import { itemFactorNorms } from '../model/fast-ranking.ts';
import { rankingModelName } from '../model/recommender.ts';
import { factorCosineNeighbors } from '../model/similar.ts';

const [artifactDir, datasetDir, ...asked] = process.argv.slice(2);
if (!artifactDir || !datasetDir)
  throw new Error('usage: node bench/similar-examples.ts ARTIFACT_DIR DATASET_DIR [title...]');
const titles = asked.length
  ? asked
  : ['Toy Story (1995)', 'Godfather: Part II, The (1974)', 'Matrix, The (1999)', 'Finding Nemo (2003)', 'Alien (1979)'];
const shown = 5;

const manifest = parseManifest(await readFile(join(artifactDir, MANIFEST_FILE)));
const model = decodeArtifact(manifest, await readFile(join(artifactDir, MODEL_FILE)));
const titleOf = new Map<number, string>();
for await (const movie of (await openDataset(datasetDir)).movies()) titleOf.set(movie.movieId, movie.title);
const idOf = new Map([...titleOf].map(([id, title]) => [title, id]));
const norms = itemFactorNorms(model.factors);
const name = (item: number): string => titleOf.get(model.factors.items.idAt(item)) ?? String(item);

const lines = [
  `Run ${manifest.run}, ranking model ${rankingModelName(manifest.ranking)}.`,
  '',
  `| movie | served similar list (top ${shown}) | factor cosine (before) |`,
  '| --- | --- | --- |',
];
for (const title of titles) {
  const item = model.factors.items.indexOf(idOf.get(title) ?? -1);
  if (item < 0) continue;
  const { offsets, items } = model.similar!;
  const served = Array.from(items.subarray(offsets[item]!, Math.min(offsets[item + 1]!, offsets[item]! + shown)));
  const cosine = Array.from(factorCosineNeighbors(model.factors, norms, item, shown).items);
  lines.push(`| ${title} | ${served.map(name).join('; ')} | ${cosine.map(name).join('; ')} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
