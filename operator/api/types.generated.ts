// Generated from deploy/crds/*.yaml by operator/api/schema-to-typescript.ts. Do not edit by hand;
// change the CRD, then run: node operator/api/schema-to-typescript.ts

export type TrainingRunSpec = {
  /** The model this run trains (a DNS-1123 label, e.g. movielens). */
  model: string;
  /** Trainer image; the operator's default when unset. */
  image?: string;
  /** The snapshot bound of the ratings to train on; all ratings at start when unset. */
  dataset?: {
    /** Train on ratings with id <= ratingsUpTo only. */
    ratingsUpTo?: number;
    /** Train on the ratings of batches 1..upToBatch only. */
    upToBatch?: number;
  };
  algorithm?: {
    /** blend (SVD++ blended with item neighbours), svdpp, or svd (plain biased MF). */
    name?: "blend" | "svdpp" | "svd";
    /** Latent factors; the trainer's default (50) when unset. */
    factors?: number;
    /** Train exactly this many epochs; unset lets early stopping choose. */
    epochs?: number;
    learningRate?: number;
    regularization?: number;
    seed?: number;
  };
  evaluation?: {
    /** Share of the ratings held out for the reported metrics. */
    testFraction?: number;
  };
  /** The trainer container's requests and limits. */
  resources?: {
    requests?: Record<string, number | string>;
    limits?: Record<string, number | string>;
  };
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  /** Secret whose keys become the trainer's environment (MOVIE_RECO_DATABASE_URL, MOVIE_RECO_ARTIFACT_STORE, MOVIE_RECO_S3_*). */
  backendSecretRef: {
    name: string;
  };
};

export type TrainingRunStatus = {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  message?: string;
  observedGeneration?: number;
  /** The run's id in the run records (MySQL) and the artifact store. */
  runId?: string;
  jobName?: string;
  startTime?: string;
  completionTime?: string;
  dataset?: {
    ratings?: number;
    users?: number;
    movies?: number;
    maxRatingId?: number;
  };
  metrics?: {
    rmse?: number;
    mae?: number;
    precisionAt10?: number;
    recallAt10?: number;
    ndcgAt10?: number;
    coverage?: number;
    trainSeconds?: number;
  };
  /** The model that ranks in the artifact (popularity, cooccurrence, ease), chosen by the trainer. */
  rankingModel?: string;
  artifact?: {
    uri?: string;
    digest?: string;
    sizeBytes?: number;
  };
  conditions?: Array<{
    type: string;
    status: string;
    observedGeneration?: number;
    lastTransitionTime: string;
    reason: string;
    message: string;
  }>;
};

export type ModelReleaseSpec = {
  /** The model this release serves; its champion is chosen among TrainingRuns of this model. */
  model: string;
  promotion?: {
    /** The metric a challenger must beat the champion on. Default ndcgAt10: users judge the service by its top 10. rmse and mae are better when lower. */
    metric?: "rmse" | "mae" | "ndcgAt10" | "precisionAt10";
    /** Absolute margin by which a challenger must beat the champion on the metric. */
    minImprovement?: number;
    /** Absolute thresholds every candidate must pass, champion or not. */
    gates?: {
      maxRmse?: number;
      maxMae?: number;
      minNdcgAt10?: number;
      minPrecisionAt10?: number;
      /** The run must have trained on at least this many ratings. */
      minRatings?: number;
    };
    /** Serve exactly this TrainingRun (manual pin or rollback); gates and metric are not applied. */
    pinnedRun?: string;
  };
  retrain?: {
    /** Five-field cron schedule (minute hour day-of-month month day-of-week), UTC. */
    schedule?: string;
    /** Retrain once this many ratings arrived since the champion's snapshot. */
    minNewRatings?: number;
    /** Finished runs of this release to keep. */
    historyLimit?: number;
    /** The spec of the TrainingRuns it creates (model comes from the release). */
    template: {
      image?: string;
      algorithm?: {
        name?: "blend" | "svdpp" | "svd";
        factors?: number;
        epochs?: number;
        learningRate?: number;
        regularization?: number;
        seed?: number;
      };
      evaluation?: {
        testFraction?: number;
      };
      resources?: {
        requests?: Record<string, number | string>;
        limits?: Record<string, number | string>;
      };
      activeDeadlineSeconds?: number;
      backoffLimit?: number;
      backendSecretRef: {
        name: string;
      };
    };
  };
  serving?: {
    /** Inference pods when autoscaling is unset (default 1). */
    replicas?: number;
    image?: string;
    resources?: {
      requests?: Record<string, number | string>;
      limits?: Record<string, number | string>;
    };
    autoscaling?: {
      minReplicas?: number;
      maxReplicas: number;
      targetCPUUtilizationPercentage?: number;
    };
    /** Secret whose keys become the inference pods' environment (database, S3). */
    backendSecretRef?: {
      name: string;
    };
    /** Secret with the credentials clients must present. */
    authSecretRef?: {
      name: string;
    };
  };
};

export type ModelReleaseStatus = {
  observedGeneration?: number;
  champion?: {
    run?: string;
    artifact?: string;
    digest?: string;
    promotedAt?: string;
    metrics?: {
      rmse?: number;
      mae?: number;
      precisionAt10?: number;
      recallAt10?: number;
      ndcgAt10?: number;
      coverage?: number;
      trainSeconds?: number;
    };
  };
  history?: Array<{
    run?: string;
    digest?: string;
    promotedAt?: string;
    reason?: string;
  }>;
  lastDecision?: {
    run?: string;
    outcome?: "Promoted" | "Rejected" | "Pinned";
    reason?: string;
    time?: string;
  };
  serving?: {
    deployment?: string;
    service?: string;
    url?: string;
    replicas?: number;
    readyReplicas?: number;
  };
  nextRetrainTime?: string;
  conditions?: Array<{
    type: string;
    status: string;
    observedGeneration?: number;
    lastTransitionTime: string;
    reason: string;
    message: string;
  }>;
};
