/**
 * The OpenAPI 3.1 description of the service, served at /openapi.json and rendered by /docs.
 * openapi.test.ts checks that it lists exactly the router's routes and methods.
 */
const error = { $ref: '#/components/responses/Error' };
const unauthorized = { $ref: '#/components/responses/Unauthorized' };
const noModel = {
  description: 'No model is loaded yet',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const query = (name: string, description: string, schema: object, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});

const userId = query('userId', 'MovieLens user id', { type: 'integer', minimum: 0 }, true);
const n = query('n', 'How many movies (default 10)', { type: 'integer', minimum: 1, maximum: 100, default: 10 });
const movieIdQuery = query('movieId', 'MovieLens movie id', { type: 'integer', minimum: 0 }, true);
const read = [{ basic: [] }, { bearer: [] }];
const noDatabase = {
  description: 'No database configured (code no_database) or it did not answer (database_unavailable)',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const userRecommendations = {
  summary: 'Top-n movies the user has not rated',
  description:
    'Known users get recommendations from the model (with any rating posted since folded in); unknown users the popularity ranking, coldStart: true.',
  parameters: [userId, n],
  security: read,
  responses: {
    200: json({ $ref: '#/components/schemas/UserRecommendations' }, 'Recommendations'),
    400: error,
    401: unauthorized,
    503: noModel,
  },
};
const predict = {
  summary: 'Predicted rating of a movie for a user',
  parameters: [userId, movieIdQuery],
  security: read,
  responses: {
    200: json({ $ref: '#/components/schemas/Prediction' }, 'The prediction'),
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
      'Recommendations, predictions and new ratings for the MovieLens recommender. Errors are JSON: {"error": {"code", "message", "parameter"?}}.',
  },
  paths: {
    '/v1/recommendations': {
      get: userRecommendations,
      post: {
        summary: 'Recommendations for a visitor from a few ratings',
        description:
          "The ratings are folded in against the model's item factors (ridge regression); nothing is stored.",
        security: read,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/VisitorRequest' } } },
        },
        responses: {
          200: json({ $ref: '#/components/schemas/VisitorRecommendations' }, 'Recommendations'),
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
          'Case and accents are ignored; "the matrix" finds "Matrix, The (1999)". Titles that start with q come first, then the movies the serving model saw rated most. 503 no_catalogue when the service has no database to read titles from.',
        parameters: [query('q', 'Words of the title', { type: 'string', minLength: 1, maxLength: 200 }, true), n],
        security: read,
        responses: {
          200: json(
            {
              type: 'object',
              properties: {
                q: { type: 'string' },
                movies: { type: 'array', items: { $ref: '#/components/schemas/FoundMovie' } },
              },
            },
            'Matching movies',
          ),
          400: error,
          401: unauthorized,
          503: {
            description: 'No movie catalogue (no database)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    },
    '/v1/movies/{movieId}/similar': {
      get: {
        summary:
          'Most similar movies, precomputed at training from the ranking’s item-item model (EASE weights, else co-occurrence; factor cosine for a movie neither covers)',
        parameters: [{ name: 'movieId', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } }, n],
        security: read,
        responses: {
          200: json({ $ref: '#/components/schemas/SimilarMovies' }, 'Similar movies'),
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
          "Answered 201 only once the database committed it; the user's next recommendations take it into account. 503 when the database is unavailable: nothing was acknowledged, retry.",
        security: [{ basic: [] }, { bearer: [] }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Rating' } } },
        },
        responses: {
          201: json(
            {
              allOf: [
                { $ref: '#/components/schemas/Rating' },
                { type: 'object', properties: { id: { type: 'integer' } } },
              ],
            },
            'Stored',
          ),
          400: error,
          401: unauthorized,
          404: error,
          503: {
            description: 'The database did not commit the rating',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
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
        description:
          'Requests in flight finish on the model they started with. A refused artifact (422) or an unreachable one (502) leaves the current model serving.',
        security: [{ basic: [] }, { bearer: [] }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['uri'],
                properties: { uri: { type: 'string' }, digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } },
              },
            },
          },
        },
        responses: {
          200: json({ $ref: '#/components/schemas/Model' }, 'The new model'),
          400: error,
          401: unauthorized,
          422: error,
          502: error,
        },
      },
    },
    '/v1/insights/models': {
      get: {
        summary: 'Training runs, champion, promotions and gate decisions of a model (the web page’s Models view)',
        description:
          'Every run of the model (newest first, at most 500) with its parameters and metrics, its promotions with their reasons (newest first, at most 200), and every decision of the release gates, promotions, pins and rejections, with its reason (newest first, at most 200). The model defaults to the one being served, else the most recently trained.',
        parameters: [query('model', 'Model name (default: the served model)', { type: 'string' })],
        security: read,
        responses: {
          200: json({ $ref: '#/components/schemas/ModelsInsight' }, 'Runs, promotions and gate decisions'),
          400: error,
          401: unauthorized,
          503: noDatabase,
        },
      },
    },
    '/v1/insights/epochs': {
      get: {
        summary: 'Per-epoch training curves of some runs',
        parameters: [
          {
            name: 'runId',
            in: 'query',
            required: true,
            description: 'A run id; repeat for several runs (at most 12)',
            schema: { type: 'array', items: { type: 'string' }, maxItems: 12 },
            style: 'form',
            explode: true,
          },
        ],
        security: read,
        responses: {
          200: json(
            {
              type: 'object',
              properties: {
                runs: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      runId: { type: 'string' },
                      epochs: { type: 'array', items: { $ref: '#/components/schemas/Epoch' } },
                    },
                  },
                },
              },
            },
            'Epochs of each run, in the order asked',
          ),
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
          'Counts, sparsity, rating values, ratings per user and per movie (long tails as count frequencies), per month and per batch. Computed by the database; cached for a minute.',
        security: read,
        responses: {
          200: json({ $ref: '#/components/schemas/RatingsInsight' }, 'Rating statistics'),
          401: unauthorized,
          503: noDatabase,
        },
      },
    },
    '/v1/insights/traffic': {
      get: {
        summary: 'Cold-start share of this replica’s answers since it started',
        description: 'From the same counters as movie_reco_recommendations_total and movie_reco_predictions_total.',
        security: read,
        responses: { 200: json({ $ref: '#/components/schemas/TrafficInsight' }, 'Counts'), 401: unauthorized },
      },
    },
    '/': {
      get: {
        summary: 'The web page: recommend, compare models, explore the data',
        description:
          'Built at package time (npm run build:web). Behind the read credentials, so that a browser asks for them once.',
        security: read,
        responses: {
          200: { description: 'HTML', content: { 'text/html': {} } },
          401: unauthorized,
          503: {
            description: 'The page has not been built (code web_page_not_built)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
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
          503: {
            description: 'The page has not been built',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    },
    '/healthz': { get: { summary: 'The process is alive', responses: { 200: { description: 'Alive' } } } },
    '/readyz': {
      get: {
        summary: 'A model is loaded and the server is not draining',
        responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready' } },
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
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
      Unauthorized: {
        description: 'Missing or wrong credentials',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, parameter: { type: 'string' } },
          },
        },
      },
      ModelRef: { type: 'object', properties: { run: { type: 'string' }, digest: { type: 'string' } } },
      Movie: {
        type: 'object',
        required: ['movieId', 'title', 'genres', 'predictedRating'],
        properties: {
          movieId: { type: 'integer' },
          title: { type: ['string', 'null'] },
          genres: { type: 'array', items: { type: 'string' } },
          predictedRating: { type: 'number' },
        },
      },
      UserRecommendations: {
        type: 'object',
        required: ['coldStart', 'userId', 'recommendations'],
        properties: {
          coldStart: { type: 'boolean' },
          userId: { type: 'integer' },
          model: { $ref: '#/components/schemas/ModelRef' },
          recommendations: { type: 'array', items: { $ref: '#/components/schemas/Movie' } },
        },
      },
      VisitorRequest: {
        type: 'object',
        required: ['ratings'],
        properties: {
          ratings: {
            type: 'array',
            maxItems: 1000,
            items: {
              type: 'object',
              required: ['movieId', 'rating'],
              properties: {
                movieId: { type: 'integer' },
                rating: { type: 'number', minimum: 0.5, maximum: 5, multipleOf: 0.5 },
              },
            },
          },
          n: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        },
      },
      VisitorRecommendations: {
        type: 'object',
        properties: {
          coldStart: { type: 'boolean' },
          recommendations: { type: 'array', items: { $ref: '#/components/schemas/Movie' } },
          ignoredMovieIds: {
            type: 'array',
            items: { type: 'integer' },
            description: 'Rated movies the model does not know',
          },
          model: { $ref: '#/components/schemas/ModelRef' },
        },
      },
      Prediction: {
        type: 'object',
        properties: {
          userId: { type: 'integer' },
          movieId: { type: 'integer' },
          predictedRating: { type: 'number' },
          coldStart: { type: 'boolean' },
          model: { $ref: '#/components/schemas/ModelRef' },
        },
      },
      SimilarMovies: {
        type: 'object',
        properties: {
          movieId: { type: 'integer' },
          title: { type: ['string', 'null'] },
          similar: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                movieId: { type: 'integer' },
                title: { type: ['string', 'null'] },
                genres: { type: 'array', items: { type: 'string' } },
                similarity: { type: 'number' },
              },
            },
          },
        },
      },
      Rating: {
        type: 'object',
        required: ['userId', 'movieId', 'rating'],
        properties: {
          userId: { type: 'integer', minimum: 0 },
          movieId: { type: 'integer', minimum: 0 },
          rating: { type: 'number', minimum: 0.5, maximum: 5, multipleOf: 0.5 },
        },
      },
      FoundMovie: {
        type: 'object',
        properties: {
          movieId: { type: 'integer' },
          title: { type: 'string' },
          genres: { type: 'array', items: { type: 'string' } },
          ratings: {
            type: 'integer',
            description: 'Training ratings of the movie in the serving model; 0 when the model does not know it',
          },
        },
      },
      Run: {
        type: 'object',
        properties: {
          runId: { type: 'string' },
          model: { type: 'string' },
          status: { type: 'string', enum: ['Running', 'Succeeded', 'Failed'] },
          attempts: { type: 'integer' },
          params: { type: 'object' },
          snapshot: { type: ['object', 'null'] },
          dataset: {
            type: ['object', 'null'],
            properties: { ratings: { type: 'integer' }, users: { type: 'integer' }, movies: { type: 'integer' } },
          },
          metrics: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
          artifact: {
            type: ['object', 'null'],
            properties: { uri: { type: 'string' }, digest: { type: 'string' }, sizeBytes: { type: 'integer' } },
          },
          message: { type: ['string', 'null'] },
          startedAt: { type: 'string', format: 'date-time' },
          finishedAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      Promotion: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          model: { type: 'string' },
          runId: { type: 'string' },
          previousRunId: { type: ['string', 'null'] },
          reason: { type: 'string' },
          metric: { type: 'string' },
          metricValue: { type: ['number', 'null'] },
          previousMetricValue: { type: ['number', 'null'] },
          promotedAt: { type: 'string', format: 'date-time' },
        },
      },
      GateDecision: {
        type: 'object',
        description: 'One judgement of the release gates, as the operator recorded it',
        properties: {
          id: { type: 'integer' },
          model: { type: 'string' },
          runId: { type: 'string', description: 'The run judged' },
          outcome: { type: 'string', enum: ['Promoted', 'Rejected', 'Pinned'] },
          reason: { type: 'string' },
          metric: { type: 'string', description: 'The release’s promotion metric' },
          metricValue: { type: ['number', 'null'], description: 'The run’s value of the metric' },
          championRunId: {
            type: ['string', 'null'],
            description: 'The champion it was judged against: replaced when promoted or pinned, kept when rejected',
          },
          championMetricValue: { type: ['number', 'null'] },
          decidedAt: { type: 'string', format: 'date-time' },
        },
      },
      ModelsInsight: {
        type: 'object',
        properties: {
          model: { type: ['string', 'null'] },
          models: {
            type: 'array',
            items: {
              type: 'object',
              properties: { model: { type: 'string' }, runs: { type: 'integer' }, latestStartedAt: { type: 'string' } },
            },
          },
          serving: {
            type: ['object', 'null'],
            properties: { model: { type: 'string' }, run: { type: 'string' }, digest: { type: 'string' } },
          },
          champion: {
            oneOf: [{ $ref: '#/components/schemas/Promotion' }, { type: 'null' }],
            description: 'The latest promotion',
          },
          runs: { type: 'array', items: { $ref: '#/components/schemas/Run' } },
          promotions: { type: 'array', items: { $ref: '#/components/schemas/Promotion' } },
          decisions: {
            type: 'array',
            items: { $ref: '#/components/schemas/GateDecision' },
            description: 'Every decision of the release gates, newest first',
          },
        },
      },
      Epoch: {
        type: 'object',
        properties: {
          epoch: { type: 'integer' },
          trainLoss: { type: 'number', description: 'Training RMSE' },
          validationRmse: { type: ['number', 'null'] },
          seconds: { type: 'number' },
        },
      },
      RatingsInsight: {
        type: 'object',
        properties: {
          ratings: { type: 'integer' },
          users: { type: 'integer' },
          movies: { type: 'integer' },
          catalogueMovies: { type: 'integer' },
          meanRating: { type: ['number', 'null'] },
          sparsity: {
            type: ['number', 'null'],
            description: 'Share of the users × rated movies matrix without a rating',
          },
          values: {
            type: 'array',
            items: { type: 'object', properties: { rating: { type: 'number' }, count: { type: 'integer' } } },
          },
          perUser: {
            type: 'array',
            items: { type: 'object', properties: { ratings: { type: 'integer' }, entities: { type: 'integer' } } },
            description: 'entities users have exactly `ratings` ratings',
          },
          perMovie: {
            type: 'array',
            items: { type: 'object', properties: { ratings: { type: 'integer' }, entities: { type: 'integer' } } },
          },
          perMonth: {
            type: 'array',
            items: { type: 'object', properties: { month: { type: 'string' }, count: { type: 'integer' } } },
          },
          perBatch: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                batch: { type: ['integer', 'null'] },
                ratings: { type: 'integer' },
                firstRatedAt: { type: 'integer' },
                lastRatedAt: { type: 'integer' },
              },
            },
          },
          computedAt: { type: 'string', format: 'date-time' },
        },
      },
      TrafficInsight: {
        type: 'object',
        properties: {
          countingSince: { type: 'string', format: 'date-time' },
          recommendations: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: { coldStart: { type: 'integer' }, total: { type: 'integer' } },
            },
          },
          predictions: { type: 'object', properties: { coldStart: { type: 'integer' }, total: { type: 'integer' } } },
        },
      },
      Model: {
        type: 'object',
        properties: {
          model: { type: 'string' },
          run: { type: 'string' },
          digest: { type: 'string' },
          uri: { type: 'string' },
          metrics: { type: 'object' },
          trainedAt: { type: 'string' },
          loadedAt: { type: 'string' },
          dimensions: { type: 'object' },
        },
      },
    },
  },
} as const;
