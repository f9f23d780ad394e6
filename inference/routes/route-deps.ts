import type { Middleware } from 'koa';
import type { Database } from '../../storage/database.ts';
import { scopeGuard, type AuthConfig } from '../auth.ts';
import { HttpError } from '../http-error.ts';
import type { ServiceMetrics } from '../metrics.ts';
import type { LiveModels } from '../live-models.ts';
import type { ModelHolder } from '../model-holder.ts';
import type { MovieCatalog } from '../movie-catalog.ts';
import type { RatingOverlay } from '../rating-overlay.ts';
import type { ServingModel } from '../serving-model.ts';

export interface RouteDeps {
  /** The champion's holder. */
  holder: ModelHolder;
  /** Champion and challenger: which model answers each user. */
  models: LiveModels;
  catalog: MovieCatalog;
  overlay: RatingOverlay;
  db: Database | null;
  databaseTimeoutMs: number;
  metrics: ServiceMetrics;
  auth: AuthConfig;
  /** False once the server drains: readiness fails so that traffic moves elsewhere. */
  isAcceptingTraffic: () => boolean;
  /** The built web page (index.html, assets/); default inference/web/dist. */
  webRoot?: string;
}

/** The credentials each kind of route asks for, as middleware placed before its handler. */
export interface Guards {
  read: readonly Middleware[];
  write: readonly Middleware[];
  admin: readonly Middleware[];
}

export function guardsOf(auth: AuthConfig): Guards {
  // Swapping models is an operator's act: admin credentials, else write credentials, and never
  // open: a service without either refuses swaps rather than loading whatever anyone names.
  const swappers = auth.admin.length > 0 ? auth.admin : auth.write;
  const refuseSwaps: Middleware = () => {
    throw new HttpError(
      403,
      'forbidden',
      'model swaps need credentials: set MOVIE_RECO_AUTH_ADMIN (or MOVIE_RECO_AUTH_WRITE)',
    );
  };
  const refuseWrites: Middleware = () => {
    throw new HttpError(
      403,
      'forbidden',
      'this service takes no anonymous writes: give its ModelRelease spec.serving.authSecretRef with write ' +
        'credentials, or set spec.serving.anonymousWrites: true',
    );
  };
  return {
    read: scopeGuard(auth.read),
    write: auth.write.length > 0 || auth.anonymousWrites ? scopeGuard(auth.write) : [refuseWrites],
    admin: swappers.length > 0 ? scopeGuard(swappers) : [refuseSwaps],
  };
}

/** The model answering now; 503 no_model before the first one is loaded. */
export function servingModel(holder: ModelHolder): ServingModel {
  const current = holder.current;
  if (!current) throw new HttpError(503, 'no_model', 'no model is loaded yet');
  return current;
}

export function unknownMovie(movieId: number, where = 'known to the model'): HttpError {
  return new HttpError(404, 'unknown_movie', `movie ${movieId} is not ${where}`, 'movieId');
}
