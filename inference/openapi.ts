/**
 * The OpenAPI 3.1 description of the service, served at /openapi.json and rendered by /docs: the
 * operations are written here; every schema is converted from the zod schemas of api-shapes.ts.
 * openapi.test.ts checks that it lists exactly the router's routes and methods.
 */
import { z } from 'zod';
import {
  apiComponents,
  epochsInsight,
  errorBody,
  foundMovies,
  health,
  modelParam,
  modelSwapRequest,
  modelsInsight,
  movieIdParam,
  nParam,
  prediction,
  ratingRequest,
  ratingsInsight,
  readiness,
  runIdsParam,
  searchParam,
  servedModel,
  similarMovies,
  storedRating,
  trafficInsight,
  userIdParam,
  userRecommendations as userRecommendationsBody,
  visitorRecommendations,
  visitorRequest,
} from './api-shapes.ts';

/** The JSON side of a shape (times as strings), without what only adds noise to the document. */
const conversion = {
  io: 'input',
  uri: (id: string) => `#/components/schemas/${id}`,
  override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
    if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  },
} as const;

function componentSchemas(): Record<string, object> {
  const { schemas } = z.toJSONSchema(apiComponents, conversion);
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema]));
}

/** A reference to the component a schema is registered as. */
function ref(schema: z.ZodType): { $ref: string } {
  const id = apiComponents.get(schema)?.id;
  if (!id) throw new Error('the schema is not one of apiComponents');
  return { $ref: conversion.uri(id) };
}

const parameter = (name: string, place: 'query' | 'path', schema: z.ZodType, required = true) => {
  const { $schema: _, description, ...converted } = z.toJSONSchema(schema, conversion) as Record<string, unknown>;
  return { name, in: place, required, ...(description ? { description } : {}), schema: converted };
};
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const requestBody = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: ref(schema) } },
});
const failure = (description: string) => json(ref(errorBody), description);
const error = { $ref: '#/components/responses/Error' };
const unauthorized = { $ref: '#/components/responses/Unauthorized' };
const noModel = failure('No model is loaded yet');
const noDatabase = failure('No database configured (code no_database) or it did not answer (database_unavailable)');

const userId = parameter('userId', 'query', userIdParam);
const n = parameter('n', 'query', nParam, false);
const credentials = [{ basic: [] }, { bearer: [] }];

const userRecommendations = {
  summary: 'Top-n movies the user has not rated',
  description:
    'Known users get recommendations from the model (with any rating posted since folded in); unknown users the ' +
    'popularity ranking, coldStart: true.',
  parameters: [userId, n],
  security: credentials,
  responses: {
    200: json(ref(userRecommendationsBody), 'Recommendations'),
    400: error,
    401: unauthorized,
    503: noModel,
  },
};
const predict = {
  summary: 'Predicted rating of a movie for a user',
  parameters: [userId, parameter('movieId', 'query', movieIdParam)],
  security: credentials,
  responses: {
    200: json(ref(prediction), 'The prediction'),
    400: error,
    401: unauthorized,
    404: error,
    503: noModel,
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'movie-reco inference',
    version: '1',
    description:
      'Recommendations, predictions and new ratings for the MovieLens recommender. Errors are JSON: {"error": ' +
      '{"code", "message", "parameter"?}}.',
  },
  paths: {
    '/v1/recommendations': {
      get: userRecommendations,
      post: {
        summary: 'Recommendations for a visitor from a few ratings',
        description:
          "The ratings are folded in against the model's item factors (ridge regression); nothing is stored.",
        security: credentials,
        requestBody: requestBody(visitorRequest),
        responses: {
          200: json(ref(visitorRecommendations), 'Recommendations'),
          400: error,
          401: unauthorized,
          503: noModel,
        },
      },
    },
    '/recommendations': { get: { ...userRecommendations, summary: 'Alias of GET /v1/recommendations' } },
    '/v1/predict': { get: predict },
    '/predict': { get: { ...predict, summary: 'Alias of GET /v1/predict' } },
    '/v1/movies': {
      get: {
        summary: 'Movies whose title contains every word of q',
        description:
          'Case and accents are ignored; "the matrix" finds "Matrix, The (1999)". Titles that start with q come ' +
          'first, then the movies the serving model saw rated most. 503 no_catalogue when the service has no ' +
          'database to read titles from.',
        parameters: [parameter('q', 'query', searchParam), n],
        security: credentials,
        responses: {
          200: json(ref(foundMovies), 'Matching movies'),
          400: error,
          401: unauthorized,
          503: failure('No movie catalogue (no database)'),
        },
      },
    },
    '/v1/movies/{movieId}/similar': {
      get: {
        summary:
          'Most similar movies, precomputed at training from the ranking’s item-item model ' +
          '(iALS factor cosine when iALS ranks, for movies with 20 ratings; else EASE weights, else co-occurrence; ' +
          'factor cosine for a movie none covers)',
        parameters: [parameter('movieId', 'path', movieIdParam), n],
        security: credentials,
        responses: {
          200: json(ref(similarMovies), 'Similar movies'),
          400: error,
          401: unauthorized,
          404: error,
          503: noModel,
        },
      },
    },
    '/v1/ratings': {
      post: {
        summary: 'Store a rating',
        description:
          "Answered 201 only once the database committed it; the user's next recommendations take it into account. " +
          '503 when the database is unavailable: nothing was acknowledged, retry.',
        security: credentials,
        requestBody: requestBody(ratingRequest),
        responses: {
          201: json(ref(storedRating), 'Stored'),
          400: error,
          401: unauthorized,
          404: error,
          503: failure('The database did not commit the rating'),
        },
      },
    },
    '/v1/model': {
      get: {
        summary: 'The model being served',
        security: credentials,
        responses: { 200: json(ref(servedModel), 'The model'), 401: unauthorized, 503: noModel },
      },
    },
    '/v1/admin/model': {
      post: {
        summary: 'Load, verify and swap to another model artifact',
        description:
          'Requests in flight finish on the model they started with. A refused artifact (422) or an unreachable one ' +
          '(502) leaves the current model serving.',
        security: credentials,
        requestBody: requestBody(modelSwapRequest),
        responses: {
          200: json(ref(servedModel), 'The new model'),
          400: error,
          401: unauthorized,
          422: error,
          502: error,
        },
      },
    },
    '/v1/insights/models': {
      get: {
        summary:
          'Training runs, searches, champion, live figures, promotions and gate decisions of a model ' +
          '(the web page’s Models view)',
        description:
          'Every run of the model (newest first, at most 500) with its parameters and metrics, its promotions with ' +
          'their reasons (newest first, at most 200), and every decision of the release gates, promotions, pins and ' +
          'rejections, with its reason (newest first, at most 200). Its hyperparameter searches (newest first, at ' +
          'most 20), each with its trials (values tried, state, objective on the validation slice) and its best. ' +
          'The models this pod serves (champion, challenger) with their online figures from its own counters ' +
          'since it started: labels, online RMSE, hit rate, answers, errors and p99 answer time. The model ' +
          'defaults to the one being served, else the most recently trained.',
        parameters: [parameter('model', 'query', modelParam, false)],
        security: credentials,
        responses: {
          200: json(ref(modelsInsight), 'Runs, searches, live models, promotions and gate decisions'),
          400: error,
          401: unauthorized,
          503: noDatabase,
        },
      },
    },
    '/v1/insights/epochs': {
      get: {
        summary: 'Per-epoch training curves of some runs',
        parameters: [{ ...parameter('runId', 'query', runIdsParam), style: 'form', explode: true }],
        security: credentials,
        responses: {
          200: json(ref(epochsInsight), 'Epochs of each run, in the order asked'),
          400: error,
          401: unauthorized,
          503: noDatabase,
        },
      },
    },
    '/v1/insights/ratings': {
      get: {
        summary: 'The shape of the ratings table (the web page’s Data view)',
        description:
          'Counts, sparsity, rating values, ratings per user and per movie (long tails as count frequencies), per ' +
          'month and per batch. Computed by the database; cached for a minute.',
        security: credentials,
        responses: {
          200: json(ref(ratingsInsight), 'Rating statistics'),
          401: unauthorized,
          503: noDatabase,
        },
      },
    },
    '/v1/insights/traffic': {
      get: {
        summary: 'Cold-start share of this replica’s answers since it started',
        description: 'From the same counters as movie_reco_recommendations_total and movie_reco_predictions_total.',
        security: credentials,
        responses: { 200: json(ref(trafficInsight), 'Counts'), 401: unauthorized },
      },
    },
    '/': {
      get: {
        summary: 'The web page: recommend, compare models, explore the data',
        description:
          'Built at package time (npm run build:web). Behind the read credentials, so that a browser asks for them ' +
          'once.',
        security: credentials,
        responses: {
          200: { description: 'HTML', content: { 'text/html': {} } },
          401: unauthorized,
          503: failure('The page has not been built (code web_page_not_built)'),
        },
      },
    },
    '/assets/{file}': {
      get: {
        summary: 'Scripts and styles of the web page (content-hashed names, cached for a year)',
        parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'The file' },
          404: error,
          503: failure('The page has not been built'),
        },
      },
    },
    '/healthz': { get: { summary: 'The process is alive', responses: { 200: json(ref(health), 'Alive') } } },
    '/readyz': {
      get: {
        summary: 'A model is loaded and the server is not draining',
        responses: { 200: json(ref(readiness), 'Ready'), 503: json(ref(readiness), 'Not ready') },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        responses: { 200: { description: 'Text exposition format', content: { 'text/plain': {} } } },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    '/docs': {
      get: {
        summary: 'Interactive documentation',
        responses: { 200: { description: 'HTML', content: { 'text/html': {} } } },
      },
    },
  },
  components: {
    securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer' } },
    responses: {
      Error: {
        description: 'Bad request, unknown movie, or a failed operation',
        content: { 'application/json': { schema: ref(errorBody) } },
      },
      Unauthorized: {
        description: 'Missing or wrong credentials',
        content: { 'application/json': { schema: ref(errorBody) } },
      },
    },
    schemas: componentSchemas(),
  },
};
