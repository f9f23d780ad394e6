import type { z } from 'zod';
import type { foundMovie } from './api-shapes.ts';
import type { MovieCatalog } from './movie-catalog.ts';
import type { ServingModel } from './serving-model.ts';

export type FoundMovie = z.output<typeof foundMovie>;

/**
 * Title search over the in-memory catalogue: case and accents ignored, and MovieLens's trailing
 * articles read both ways ("Matrix, The (1999)" is found by "the matrix"). A linear scan of
 * precomputed keys: about a millisecond for ml-25m's 62,000 titles, so no index is needed.
 */
export class MovieSearch {
  readonly #entries: { movieId: number; key: string; title: string; genres: readonly string[] }[] = [];

  constructor(catalog: MovieCatalog) {
    for (const [movieId, movie] of catalog)
      this.#entries.push({ movieId, key: searchKey(movie.title), title: movie.title, genres: movie.genres });
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * Movies whose title contains every word of `text`. Titles that start with the text come first,
   * then the movies the model saw rated most (what a person is likely to have seen), then by title.
   */
  search(text: string, limit: number, model: ServingModel | null): FoundMovie[] {
    const words = normalize(text).split(' ').filter(Boolean);
    if (words.length === 0) return [];
    const phrase = words.join(' ');
    const counts = model ? ratingCounts(model) : undefined;
    const found: (FoundMovie & { prefix: boolean })[] = [];
    for (const entry of this.#entries) {
      if (!words.every((word) => entry.key.includes(word))) continue;
      const item = model ? model.recommender.factors.items.indexOf(entry.movieId) : -1;
      found.push({
        movieId: entry.movieId,
        title: entry.title,
        genres: entry.genres,
        ratings: item >= 0 ? counts![item]! : 0,
        prefix: entry.key.startsWith(phrase) || entry.key.includes(`\n${phrase}`),
      });
    }
    found.sort(
      (a, b) => Number(b.prefix) - Number(a.prefix) || b.ratings - a.ratings || a.title.localeCompare(b.title),
    );
    return found.slice(0, limit).map(({ prefix: _, ...movie }) => movie);
  }
}

/** Lower case, accents stripped, punctuation as spaces. */
function normalize(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const TRAILING_ARTICLE = /^(.*), (the|a|an|les|la|le|l'|il|el|das|der|die)( \(\d{4}\))?$/i;

/** The title as written and, when MovieLens moved its article to the end, as said: one key per line. */
function searchKey(title: string): string {
  const moved = TRAILING_ARTICLE.exec(title.trim());
  const spoken = moved ? `${moved[2]} ${moved[1]}${moved[3] ?? ''}` : undefined;
  return spoken ? `${normalize(title)}\n${normalize(spoken)}` : normalize(title);
}

const countsByModel = new WeakMap<ServingModel, Uint32Array>();

/** How many training ratings each item had, counted once per model (one pass over its ratings). */
function ratingCounts(model: ServingModel): Uint32Array {
  let counts = countsByModel.get(model);
  if (!counts) {
    const { items } = model.recommender.rated;
    counts = new Uint32Array(model.recommender.factors.items.size);
    for (let k = 0; k < items.length; k++) counts[items[k]!]!++;
    countsByModel.set(model, counts);
  }
  return counts;
}
