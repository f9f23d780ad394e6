/**
 * The OpenAPI 3.1 description of the service, served at /openapi.json and rendered by /docs.
 * openapi.test.ts checks that it lists exactly the router's routes and methods.
 */
const error = { $ref: '#/components/responses/Error' };
const unauthorized = { $ref: '#/components/responses/Unauthorized' };
const noModel = { description: 'No model is loaded yet', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const query = (name: string, description: string, schema: object, required = false) => ({ name, in: 'query', required, description, schema });

const userId = query('userId', 'MovieLens user id', { type: 'integer', minimum: 0 }, true);
const n = query('n', 'How many movies (default 10)', { type: 'integer', minimum: 1, maximum: 100, default: 10 });
const movieIdQuery = query('movieId', 'MovieLens movie id', { type: 'integer', minimum: 0 }, true);
const read = [{ basic: [] }, { bearer: [] }];

const userRecommendations = {
  summary: 'Top-n movies the user has not rated',
  description: 'Known users get recommendations from the model (with any rating posted since folded in); unknown users the popularity ranking, coldStart: true.',
  parameters: [userId, n],
  security: read,
  responses: { 200: json({ $ref: '#/components/schemas/UserRecommendations' }, 'Recommendations'), 400: error, 401: unauthorized, 503: noModel },
};
const predict = {
  summary: 'Predicted rating of a movie for a user',
  parameters: [userId, movieIdQuery],
  security: read,
  responses: { 200: json({ $ref: '#/components/schemas/Prediction' }, 'The prediction'), 400: error, 401: unauthorized, 404: error, 503: noModel },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'movie-reco inference',
    version: '1',
    description: 'Recommendations, predictions and new ratings for the MovieLens recommender. Errors are JSON: {"error": {"code", "message", "parameter"?}}.',
  },
  paths: {
    '/v1/recommendations': {
      get: userRecommendations,
      post: {
        summary: "Recommendations for a visitor from a few ratings",
        description: "The ratings are folded in against the model's item factors (ridge regression); nothing is stored.",
        security: read,
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/VisitorRequest' } } } },
        responses: { 200: json({ $ref: '#/components/schemas/VisitorRecommendations' }, 'Recommendations'), 400: error, 401: unauthorized, 503: noModel },
      },
    },
    '/recommendations': { get: { ...userRecommendations, summary: 'Alias of GET /v1/recommendations' } },
    '/v1/predict': { get: predict },
    '/predict': { get: { ...predict, summary: 'Alias of GET /v1/predict' } },
    '/v1/movies/{movieId}/similar': {
      get: {
        summary: 'Nearest movies in factor space (cosine)',
        parameters: [{ name: 'movieId', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } }, n],
        security: read,
        responses: { 200: json({ $ref: '#/components/schemas/SimilarMovies' }, 'Similar movies'), 400: error, 401: unauthorized, 404: error, 503: noModel },
      },
    },
    '/v1/ratings': {
      post: {
        summary: 'Store a rating',
        description: "Answered 201 only once the database committed it; the user's next recommendations take it into account. 503 when the database is unavailable: nothing was acknowledged, retry.",
        security: [{ basic: [] }, { bearer: [] }],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Rating' } } } },
        responses: {
          201: json({ allOf: [{ $ref: '#/components/schemas/Rating' }, { type: 'object', properties: { id: { type: 'integer' } } }] }, 'Stored'),
          400: error,
          401: unauthorized,
          404: error,
          503: { description: 'The database did not commit the rating', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    },
    '/v1/model': {
      get: {
        summary: 'The model being served',
        security: read,
        responses: { 200: json({ $ref: '#/components/schemas/Model' }, 'The model'), 401: unauthorized, 503: noModel },
      },
    },
    '/v1/admin/model': {
      post: {
        summary: 'Load, verify and swap to another model artifact',
        description: 'Requests in flight finish on the model they started with. A refused artifact (422) or an unreachable one (502) leaves the current model serving.',
        security: [{ basic: [] }, { bearer: [] }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', required: ['uri'], properties: { uri: { type: 'string' }, digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } } } } },
        },
        responses: { 200: json({ $ref: '#/components/schemas/Model' }, 'The new model'), 400: error, 401: unauthorized, 422: error, 502: error },
      },
    },
    '/healthz': { get: { summary: 'The process is alive', responses: { 200: { description: 'Alive' } } } },
    '/readyz': { get: { summary: 'A model is loaded and the server is not draining', responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'Text exposition format', content: { 'text/plain': {} } } } } },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    '/docs': { get: { summary: 'Interactive documentation', responses: { 200: { description: 'HTML', content: { 'text/html': {} } } } } },
  },
  components: {
    securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer' } },
    responses: {
      Error: { description: 'Bad request, unknown movie, or a failed operation', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      Unauthorized: { description: 'Missing or wrong credentials', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, parameter: { type: 'string' } } } },
      },
      ModelRef: { type: 'object', properties: { run: { type: 'string' }, digest: { type: 'string' } } },
      Movie: {
        type: 'object',
        required: ['movieId', 'title', 'genres', 'predictedRating'],
        properties: { movieId: { type: 'integer' }, title: { type: ['string', 'null'] }, genres: { type: 'array', items: { type: 'string' } }, predictedRating: { type: 'number' } },
      },
      UserRecommendations: {
        type: 'object',
        required: ['coldStart', 'userId', 'recommendations'],
        properties: { coldStart: { type: 'boolean' }, userId: { type: 'integer' }, model: { $ref: '#/components/schemas/ModelRef' }, recommendations: { type: 'array', items: { $ref: '#/components/schemas/Movie' } } },
      },
      VisitorRequest: {
        type: 'object',
        required: ['ratings'],
        properties: {
          ratings: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['movieId', 'rating'], properties: { movieId: { type: 'integer' }, rating: { type: 'number', minimum: 0.5, maximum: 5, multipleOf: 0.5 } } } },
          n: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        },
      },
      VisitorRecommendations: {
        type: 'object',
        properties: {
          coldStart: { type: 'boolean' },
          recommendations: { type: 'array', items: { $ref: '#/components/schemas/Movie' } },
          ignoredMovieIds: { type: 'array', items: { type: 'integer' }, description: 'Rated movies the model does not know' },
          model: { $ref: '#/components/schemas/ModelRef' },
        },
      },
      Prediction: {
        type: 'object',
        properties: { userId: { type: 'integer' }, movieId: { type: 'integer' }, predictedRating: { type: 'number' }, coldStart: { type: 'boolean' }, model: { $ref: '#/components/schemas/ModelRef' } },
      },
      SimilarMovies: {
        type: 'object',
        properties: {
          movieId: { type: 'integer' },
          title: { type: ['string', 'null'] },
          similar: { type: 'array', items: { type: 'object', properties: { movieId: { type: 'integer' }, title: { type: ['string', 'null'] }, genres: { type: 'array', items: { type: 'string' } }, similarity: { type: 'number' } } } },
        },
      },
      Rating: {
        type: 'object',
        required: ['userId', 'movieId', 'rating'],
        properties: { userId: { type: 'integer', minimum: 0 }, movieId: { type: 'integer', minimum: 0 }, rating: { type: 'number', minimum: 0.5, maximum: 5, multipleOf: 0.5 } },
      },
      Model: {
        type: 'object',
        properties: { model: { type: 'string' }, run: { type: 'string' }, digest: { type: 'string' }, uri: { type: 'string' }, metrics: { type: 'object' }, trainedAt: { type: 'string' }, loadedAt: { type: 'string' }, dimensions: { type: 'object' } },
      },
    },
  },
} as const;
