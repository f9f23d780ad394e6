import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { DEFAULT_N, foundMovies, MAX_QUERY_LENGTH, type similarMovies } from '../api-shapes.ts';
import { badParameter, HttpError } from '../http-error.ts';
import { reply, sendJson } from '../json-response.ts';
import type { MovieCatalog } from '../movie-catalog.ts';
import { MovieSearch } from '../movie-search.ts';
import { ID_RANGE, integerParam, N_RANGE, parseInteger } from '../params.ts';
import { describe, modelRef, round } from '../recommendations.ts';
import { similarItems } from '../similar-movies.ts';
import { servingModel, unknownMovie, type RouteDeps } from './route-deps.ts';

/** Title search over the catalogue, and the movies nearest to one in factor space. */
export function addMovieRoutes(router: Router, deps: RouteDeps, read: readonly Middleware[]): void {
  const { holder, catalog } = deps;
  let movieSearch: MovieSearch | undefined;
  router.get('/v1/movies', ...read, (ctx) => {
    const raw = ctx.query.q;
    if (raw === undefined || raw === '') throw badParameter('q', 'is required: words of the title');
    if (Array.isArray(raw)) throw badParameter('q', 'must be given once');
    if (raw.length > MAX_QUERY_LENGTH) throw badParameter('q', `must be at most ${MAX_QUERY_LENGTH} characters`);
    const n = integerParam(ctx, 'n', N_RANGE, DEFAULT_N);
    if (catalog.size === 0) {
      throw new HttpError(
        503,
        'no_catalogue',
        'this service has no movie catalogue to search: it reads titles from its database (MOVIE_RECO_DATABASE_URL)',
      );
    }
    movieSearch ??= new MovieSearch(catalog);
    reply(ctx, foundMovies, { q: raw, movies: movieSearch.search(raw, n, holder.current) });
  });

  router.get('/v1/movies/:movieId/similar', ...read, (ctx) => {
    const model = servingModel(holder);
    const id = parseInteger('movieId', ctx.params.movieId ?? '', ID_RANGE);
    const n = integerParam(ctx, 'n', N_RANGE, DEFAULT_N);
    const item = model.recommender.factors.items.indexOf(id);
    if (item < 0) throw unknownMovie(id);
    let byN = model.similarCache.get(id);
    let body = byN?.get(n);
    if (body === undefined) {
      const { items, scores } = similarItems(model, item, n);
      const similar = Array.from(items, (j, k) => {
        const { predictedRating: _, ...movie } = describe(model, catalog, j, 0);
        return { ...movie, similarity: round(scores[k]!) };
      });
      const answer: z.output<typeof similarMovies> = {
        movieId: id,
        ...movieSummary(catalog, id),
        similar,
        model: modelRef(model),
      };
      body = JSON.stringify(answer);
      if (!byN) {
        byN = new Map();
        model.similarCache.set(id, byN);
      }
      byN.set(n, body);
    }
    sendJson(ctx, body);
  });
}

function movieSummary(catalog: MovieCatalog, movieId: number): { title: string | null; genres: readonly string[] } {
  const movie = catalog.get(movieId);
  return { title: movie?.title ?? null, genres: movie?.genres ?? [] };
}
