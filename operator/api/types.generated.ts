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
  /** The recommender and its training parameters; unset fields take the trainer's defaults. */
  algorithm?: {
    /** blend (SVD++ blended with item neighbours), svdpp, or svd (plain biased MF). */
    name?: "blend" | "svdpp" | "svd";
    /** Latent factors; the trainer's default (50) when unset. */
    factors?: number;
    /** Train exactly this many epochs; unset lets early stopping choose. */
    epochs?: number;
    /** SGD step size of the factor model; the trainer's default when unset. */
    learningRate?: number;
    /** L2 penalty on factors and biases; the trainer's default when unset. */
    regularization?: number;
    /** Seed of every random choice (split, initialisation, sampling): same data and seed, same model. */
    seed?: number;
  };
  /** How the run is measured on ratings it did not train on. */
  evaluation?: {
    /** Share of the ratings held out for the reported metrics. */
    testFraction?: number;
  };
  /** The trainer container's requests and limits. */
  resources?: {
    /** Resource requests of the trainer container (cpu, memory). */
    requests?: Record<string, number | string>;
    /** Resource limits of the trainer container; the Job fails when training exceeds the memory limit. */
    limits?: Record<string, number | string>;
  };
  /** The trainer Job is stopped and the run Failed after this many seconds. */
  activeDeadlineSeconds?: number;
  /** Retries of a failed trainer pod before the run is Failed. */
  backoffLimit?: number;
  /** Secret whose keys become the trainer's environment (MOVIE_RECO_DATABASE_URL, MOVIE_RECO_ARTIFACT_STORE, MOVIE_RECO_S3_*). */
  backendSecretRef: {
    /** Name of a Secret in the run's namespace. */
    name: string;
  };
  /** ServiceAccount the pods run as (its imagePullSecrets apply too); the namespace's default when unset. */
  serviceAccountName?: string;
  /** Secrets of type kubernetes.io/dockerconfigjson in this namespace to pull a private image with. */
  imagePullSecrets?: Array<{
    /** Name of the Secret. */
    name: string;
  }>;
  /** Node labels a node must have to run the pods. */
  nodeSelector?: Record<string, string>;
  /** Taints the pods tolerate, as in a Pod spec. */
  tolerations?: Array<{
    /** Taint key; empty with operator Exists matches every taint. */
    key?: string;
    /** Equal (default) or Exists. */
    operator?: string;
    /** Taint value to match with operator Equal. */
    value?: string;
    /** NoSchedule, PreferNoSchedule or NoExecute; empty matches all three. */
    effect?: string;
    /** With effect NoExecute: how long the pod stays on a node after the taint appears. */
    tolerationSeconds?: number;
  }>;
  /** Node and pod (anti-)affinity, as in a Pod spec (nodeAffinity, podAffinity, podAntiAffinity). */
  affinity?: Record<string, unknown>;
  /** PriorityClass of the pods: which pods the scheduler evicts first when the cluster is full. */
  priorityClassName?: string;
  /** Hyperparameter search: train maxTrials variants of algorithm (trials) as one Indexed Job, measure each on the validation slice, and make the best trial this run's result and artifact. Unset: train once. */
  search?: {
    /** What the search optimises, on the validation slice (never the test ratings). */
    objective: {
      /** validationNdcgAt10 (NDCG@10 of the chosen ranking; needs algorithm blend) or validationRmse (RMSE of the predicted ratings). */
      metric: "validationNdcgAt10" | "validationRmse";
      /** maximize (for NDCG) or minimize (for RMSE). */
      direction: "maximize" | "minimize";
    };
    /** random draws each trial's values from the run's seed and the trial's index; grid takes the combinations of the lists in order (the last parameter varies fastest), at most maxTrials of them. */
    method?: "random" | "grid";
    /** The algorithm fields to vary; the others keep the values in algorithm. */
    parameters: {
      /** Latent factors, from a list or an integer range. */
      factors?: {
        /** The values to try. */
        values?: Array<number>;
        /** Smallest value (inclusive). */
        min?: number;
        /** Largest value (inclusive). */
        max?: number;
        /** How a range is drawn; log spreads draws over orders of magnitude. */
        scale?: "linear" | "log";
      };
      /** Epochs each trial trains, from a list or an integer range. */
      epochs?: {
        /** The values to try. */
        values?: Array<number>;
        /** Smallest value (inclusive). */
        min?: number;
        /** Largest value (inclusive). */
        max?: number;
        /** How a range is drawn; log spreads draws over orders of magnitude. */
        scale?: "linear" | "log";
      };
      /** SGD step size of the factor model, from a list or a range. */
      learningRate?: {
        /** The values to try. */
        values?: Array<number>;
        /** Smallest value (inclusive). */
        min?: number;
        /** Upper end of the range. */
        max?: number;
        /** How a range is drawn; log spreads draws over orders of magnitude. */
        scale?: "linear" | "log";
      };
      /** L2 penalty on factors and biases, from a list or a range. */
      regularization?: {
        /** The values to try. */
        values?: Array<number>;
        /** Smallest value (inclusive). */
        min?: number;
        /** Upper end of the range. */
        max?: number;
        /** How a range is drawn; log spreads draws over orders of magnitude. */
        scale?: "linear" | "log";
      };
      /** The recommenders to try. */
      algorithm?: {
        /** Among blend, svdpp and svd. */
        values: Array<string>;
      };
    };
    /** How many trials to train (a grid with fewer combinations trains each once). */
    maxTrials: number;
    /** Trials training at once (the Job's parallelism); at most maxTrials. */
    parallelism?: number;
    /** Median stopping rule: a trial stops when its validation RMSE after an epoch is worse than the median of the other trials' at that epoch, as recorded when the trial started. Unset: every trial trains to the end. */
    earlyStopping?: {
      /** Epochs every trial trains before the rule applies. */
      minEpochs?: number;
      /** Other trials that must have reached an epoch to compare at it. */
      minTrials?: number;
    };
  };
};

export type TrainingRunStatus = {
  /** Pending until the trainer pod runs, then Running, then Succeeded or Failed. */
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  /** A sentence on the phase: why it failed, or what it is waiting for. */
  message?: string;
  /** The .metadata.generation this status describes. */
  observedGeneration?: number;
  /** The run's id in the run records (MySQL) and the artifact store; for a search that Succeeded, its best trial's (`<namespace>/<name>/trial-<i>`), which holds the run's result. */
  runId?: string;
  /** The trainer Job of this run. */
  jobName?: string;
  /** When the trainer Job started. */
  startTime?: string;
  /** When the run Succeeded or Failed. */
  completionTime?: string;
  /** The snapshot of ratings the run trained and was measured on. */
  dataset?: {
    /** Ratings in the snapshot. */
    ratings?: number;
    /** Distinct users in the snapshot. */
    users?: number;
    /** Distinct movies in the snapshot. */
    movies?: number;
    /** Highest rating id in the snapshot: the run is reproducible with dataset.ratingsUpTo set to it. */
    maxRatingId?: number;
  };
  /** Measured on the held-out share of the snapshot (evaluation.testFraction). */
  metrics?: {
    /** Root mean squared error of predicted ratings on the held-out ratings (lower is better). */
    rmse?: number;
    /** Mean absolute error of predicted ratings on the held-out ratings (lower is better). */
    mae?: number;
    /** Share of the top 10 recommendations that the user liked (rated 4 or more) in the held-out ratings. */
    precisionAt10?: number;
    /** Share of the user's liked held-out movies found in their top 10. */
    recallAt10?: number;
    /** Normalised discounted cumulative gain of the top 10 against the liked held-out movies. */
    ndcgAt10?: number;
    /** Share of the catalogue that appears in at least one user's top 10. */
    coverage?: number;
    /** Wall-clock seconds the training took. */
    trainSeconds?: number;
  };
  /** The model that ranks in the artifact (popularity, cooccurrence, ease, ials), chosen by the trainer. */
  rankingModel?: string;
  /** The model the run wrote to the object store. */
  artifact?: {
    /** Where the artifact is: s3://bucket/model/run or file:///path. */
    uri?: string;
    /** sha256 of the artifact's manifest; the inference pods refuse an artifact that does not match. */
    digest?: string;
    /** Size of the artifact's files in bytes. */
    sizeBytes?: number;
  };
  /** The search's progress, its trials and the best of them (runs with spec.search only). */
  search?: {
    /** Trials the search trains. */
    total?: number;
    /** Trials that ended (Succeeded, Stopped or Failed). */
    finished?: number;
    /** finished/total, e.g. 3/12. */
    progress?: string;
    /** The best finished trial so far; once the run Succeeded, the run's metrics and artifact are this trial's. */
    best?: {
      /** The trial's index in the Job. */
      index?: number;
      /** Its objective value on the validation slice. */
      value?: number;
    };
    /** Every finished trial, by index. */
    trials?: Array<{
      /** The trial's index in the Job (JOB_COMPLETION_INDEX). */
      index: number;
      /** Succeeded, Stopped (by the median rule) or Failed. */
      state: string;
      /** The values this trial trained with. */
      parameters?: {
        /** Latent factors. */
        factors?: number;
        /** Epochs. */
        epochs?: number;
        /** SGD step size. */
        learningRate?: number;
        /** L2 penalty. */
        regularization?: number;
        /** blend, svdpp or svd. */
        algorithm?: string;
      };
      /** The objective on the validation slice. */
      value?: number;
      /** The epoch after which the median rule stopped it. */
      stoppedAtEpoch?: number;
      /** Why it failed. */
      message?: string;
    }>;
  };
  /** JobCreated and Succeeded, with reasons and messages. */
  conditions?: Array<{
    /** Condition type, e.g. Ready or Succeeded. */
    type: string;
    /** True, False or Unknown. */
    status: string;
    /** The .metadata.generation the condition was set for. */
    observedGeneration?: number;
    /** When the status last changed. */
    lastTransitionTime: string;
    /** A CamelCase word for programs: why the condition has this status. */
    reason: string;
    /** A sentence for people: what happened and what to do. */
    message: string;
  }>;
};

export type ModelReleaseSpec = {
  /** The model this release serves; its champion is chosen among TrainingRuns of this model. */
  model: string;
  /** How the champion is chosen among the model's Succeeded TrainingRuns. */
  promotion?: {
    /** The metric a challenger must beat the champion on. Default ndcgAt10: users judge the service by its top 10. rmse and mae are better when lower. */
    metric?: "rmse" | "mae" | "ndcgAt10" | "precisionAt10";
    /** Which passing run challenges the champion. Best (the default): the best run by the metric, when it beats the champion by minImprovement. Newest: the newest run finished since the champion was promoted, whatever its metric; meant for Shadow and Canary, where the ratings users post judge it. */
    select?: "Best" | "Newest";
    /** Absolute margin by which a challenger must beat the champion on the metric. */
    minImprovement?: number;
    /** Absolute thresholds every candidate must pass, champion or not. */
    gates?: {
      /** A candidate with a higher RMSE is rejected. */
      maxRmse?: number;
      /** A candidate with a higher MAE is rejected. */
      maxMae?: number;
      /** A candidate with a lower NDCG@10 is rejected. */
      minNdcgAt10?: number;
      /** A candidate with a lower precision@10 is rejected. */
      minPrecisionAt10?: number;
      /** The run must have trained on at least this many ratings. */
      minRatings?: number;
    };
    /** Serve exactly this TrainingRun (manual pin or rollback); gates and metric are not applied. */
    pinnedRun?: string;
  };
  /** When to start new TrainingRuns: on a schedule, after enough new ratings, or both. */
  retrain?: {
    /** Five-field cron schedule (minute hour day-of-month month day-of-week), UTC. */
    schedule?: string;
    /** Retrain once this many ratings arrived since the champion's snapshot. */
    minNewRatings?: number;
    /** Finished runs of this release to keep. */
    historyLimit?: number;
    /** The spec of the TrainingRuns it creates (model comes from the release). */
    template: {
      /** Trainer image; the operator's default when unset. */
      image?: string;
      /** The recommender and its training parameters; unset fields take the trainer's defaults. */
      algorithm?: {
        /** blend (SVD++ blended with item neighbours), svdpp, or svd (plain biased MF). */
        name?: "blend" | "svdpp" | "svd";
        /** Latent factors; the trainer's default (50) when unset. */
        factors?: number;
        /** Train exactly this many epochs; unset lets early stopping choose. */
        epochs?: number;
        /** SGD step size of the factor model; the trainer's default when unset. */
        learningRate?: number;
        /** L2 penalty on factors and biases; the trainer's default when unset. */
        regularization?: number;
        /** Seed of every random choice (split, initialisation, sampling): same data and seed, same model. */
        seed?: number;
      };
      /** How the run is measured on ratings it did not train on. */
      evaluation?: {
        /** Share of the ratings held out for the reported metrics. */
        testFraction?: number;
      };
      /** The trainer container's requests and limits. */
      resources?: {
        /** Resource requests of the trainer container (cpu, memory). */
        requests?: Record<string, number | string>;
        /** Resource limits of the trainer container; the Job fails when training exceeds the memory limit. */
        limits?: Record<string, number | string>;
      };
      /** The trainer Job is stopped and the run Failed after this many seconds. */
      activeDeadlineSeconds?: number;
      /** Retries of a failed trainer pod before the run is Failed. */
      backoffLimit?: number;
      /** Secret whose keys become the trainer's environment (MOVIE_RECO_DATABASE_URL, MOVIE_RECO_ARTIFACT_STORE, MOVIE_RECO_S3_*). */
      backendSecretRef: {
        /** Name of a Secret in the run's namespace. */
        name: string;
      };
      /** ServiceAccount the pods run as (its imagePullSecrets apply too); the namespace's default when unset. */
      serviceAccountName?: string;
      /** Secrets of type kubernetes.io/dockerconfigjson in this namespace to pull a private image with. */
      imagePullSecrets?: Array<{
        /** Name of the Secret. */
        name: string;
      }>;
      /** Node labels a node must have to run the pods. */
      nodeSelector?: Record<string, string>;
      /** Taints the pods tolerate, as in a Pod spec. */
      tolerations?: Array<{
        /** Taint key; empty with operator Exists matches every taint. */
        key?: string;
        /** Equal (default) or Exists. */
        operator?: string;
        /** Taint value to match with operator Equal. */
        value?: string;
        /** NoSchedule, PreferNoSchedule or NoExecute; empty matches all three. */
        effect?: string;
        /** With effect NoExecute: how long the pod stays on a node after the taint appears. */
        tolerationSeconds?: number;
      }>;
      /** Node and pod (anti-)affinity, as in a Pod spec (nodeAffinity, podAffinity, podAntiAffinity). */
      affinity?: Record<string, unknown>;
      /** PriorityClass of the pods: which pods the scheduler evicts first when the cluster is full. */
      priorityClassName?: string;
      /** Hyperparameter search: train maxTrials variants of algorithm (trials) as one Indexed Job, measure each on the validation slice, and make the best trial this run's result and artifact. Unset: train once. */
      search?: {
        /** What the search optimises, on the validation slice (never the test ratings). */
        objective: {
          /** validationNdcgAt10 (NDCG@10 of the chosen ranking; needs algorithm blend) or validationRmse (RMSE of the predicted ratings). */
          metric: "validationNdcgAt10" | "validationRmse";
          /** maximize (for NDCG) or minimize (for RMSE). */
          direction: "maximize" | "minimize";
        };
        /** random draws each trial's values from the run's seed and the trial's index; grid takes the combinations of the lists in order (the last parameter varies fastest), at most maxTrials of them. */
        method?: "random" | "grid";
        /** The algorithm fields to vary; the others keep the values in algorithm. */
        parameters: {
          /** Latent factors, from a list or an integer range. */
          factors?: {
            /** The values to try. */
            values?: Array<number>;
            /** Smallest value (inclusive). */
            min?: number;
            /** Largest value (inclusive). */
            max?: number;
            /** How a range is drawn; log spreads draws over orders of magnitude. */
            scale?: "linear" | "log";
          };
          /** Epochs each trial trains, from a list or an integer range. */
          epochs?: {
            /** The values to try. */
            values?: Array<number>;
            /** Smallest value (inclusive). */
            min?: number;
            /** Largest value (inclusive). */
            max?: number;
            /** How a range is drawn; log spreads draws over orders of magnitude. */
            scale?: "linear" | "log";
          };
          /** SGD step size of the factor model, from a list or a range. */
          learningRate?: {
            /** The values to try. */
            values?: Array<number>;
            /** Smallest value (inclusive). */
            min?: number;
            /** Upper end of the range. */
            max?: number;
            /** How a range is drawn; log spreads draws over orders of magnitude. */
            scale?: "linear" | "log";
          };
          /** L2 penalty on factors and biases, from a list or a range. */
          regularization?: {
            /** The values to try. */
            values?: Array<number>;
            /** Smallest value (inclusive). */
            min?: number;
            /** Upper end of the range. */
            max?: number;
            /** How a range is drawn; log spreads draws over orders of magnitude. */
            scale?: "linear" | "log";
          };
          /** The recommenders to try. */
          algorithm?: {
            /** Among blend, svdpp and svd. */
            values: Array<string>;
          };
        };
        /** How many trials to train (a grid with fewer combinations trains each once). */
        maxTrials: number;
        /** Trials training at once (the Job's parallelism); at most maxTrials. */
        parallelism?: number;
        /** Median stopping rule: a trial stops when its validation RMSE after an epoch is worse than the median of the other trials' at that epoch, as recorded when the trial started. Unset: every trial trains to the end. */
        earlyStopping?: {
          /** Epochs every trial trains before the rule applies. */
          minEpochs?: number;
          /** Other trials that must have reached an epoch to compare at it. */
          minTrials?: number;
        };
      };
    };
  };
  /** How a new champion takes over: Replace (at once, the default), Shadow (the challenger answers beside the champion, unseen, until judged) or Canary (a growing share of users is served by the challenger). Shadow and Canary judge the challenger on the ratings users post. */
  rollout?: {
    /** Replace swaps the champion at once; Shadow and Canary judge the challenger on live traffic first and promote it or roll it back. */
    strategy?: "Replace" | "Shadow" | "Canary";
    /** Canary steps in order: the share of users (split by a stable hash of the user id, so a user sees one model throughout) the challenger serves, and how long each step lasts. */
    steps?: Array<{
      /** Percent of users the challenger serves during this step; 0 shadows it (it answers every request beside the champion, unseen). */
      share: number;
      /** How long the step lasts before the next one: posted ratings or seconds. */
      pause: {
        /** Ratings posted by the challenger's users, counted from the step start. */
        labels?: number;
        /** Seconds from the step start. */
        seconds?: number;
      };
    }>;
    /** When the challenger is promoted or rolled back during Shadow and Canary; the defaults apply when unset. */
    analysis?: {
      /** Ratings, each predicted by both models before it was posted, needed before the challenger can be promoted. */
      minLabels?: number;
      /** The challenger's online RMSE may exceed the champion's by at most this much and still be promoted. */
      maxRmseIncrease?: number;
      /** The challenger's online hit rate (share of ratings on movies in the top 10 it last served) may fall below the champion's by at most this much and still be promoted. */
      maxHitRateDecrease?: number;
      /** Breaching either limit rolls the challenger back at once. */
      slo?: {
        /** Largest share of the challenger's answers that may fail. */
        maxErrorRatio?: number;
        /** Largest 99th percentile of the challenger's answer time, in milliseconds. */
        maxP99LatencyMs?: number;
      };
    };
    /** Rehearsal of a rollback: faults the challenger's pods add on purpose, to watch the SLO roll it back before relying on it. Leave unset on real traffic. */
    faultInjection?: {
      /** Milliseconds each challenger answer holds its pod's event loop, as a model too slow for its pod would. */
      challengerDelayMs?: number;
    };
  };
  /** The inference Deployment and Service that serve the champion. */
  serving?: {
    /** Inference pods when autoscaling is unset (default 1). */
    replicas?: number;
    /** Seconds a rollout may go without progress before the inference Deployment, and so the release's Ready condition, say ProgressDeadlineExceeded; Kubernetes' default (600) when unset. */
    progressDeadlineSeconds?: number;
    /** Inference image; the operator's default when unset. */
    image?: string;
    /** Requests and limits of each inference container. */
    resources?: {
      /** Resource requests of each inference container (cpu, memory). */
      requests?: Record<string, number | string>;
      /** Resource limits of each inference container. */
      limits?: Record<string, number | string>;
    };
    /** A HorizontalPodAutoscaler on CPU for the inference Deployment, instead of a fixed replica count. */
    autoscaling?: {
      /** Fewest inference pods. */
      minReplicas?: number;
      /** Most inference pods. */
      maxReplicas: number;
      /** Average CPU use, in percent of the request, the autoscaler aims at. */
      targetCPUUtilizationPercentage?: number;
    };
    /** Secret whose keys become the inference pods' environment (database, S3). */
    backendSecretRef?: {
      /** Name of a Secret in the release's namespace. */
      name: string;
    };
    /** Accept POST /v1/ratings from anyone when no write credentials are configured. Off by default: without authSecretRef write credentials, ratings are refused (403) and reads stay open. */
    anonymousWrites?: boolean;
    /** Secret with the credentials clients must present. */
    authSecretRef?: {
      /** Name of a Secret in the release's namespace. */
      name: string;
    };
    /** ServiceAccount the pods run as (its imagePullSecrets apply too); the namespace's default when unset. */
    serviceAccountName?: string;
    /** Secrets of type kubernetes.io/dockerconfigjson in this namespace to pull a private image with. */
    imagePullSecrets?: Array<{
      /** Name of the Secret. */
      name: string;
    }>;
    /** Node labels a node must have to run the pods. */
    nodeSelector?: Record<string, string>;
    /** Taints the pods tolerate, as in a Pod spec. */
    tolerations?: Array<{
      /** Taint key; empty with operator Exists matches every taint. */
      key?: string;
      /** Equal (default) or Exists. */
      operator?: string;
      /** Taint value to match with operator Equal. */
      value?: string;
      /** NoSchedule, PreferNoSchedule or NoExecute; empty matches all three. */
      effect?: string;
      /** With effect NoExecute: how long the pod stays on a node after the taint appears. */
      tolerationSeconds?: number;
    }>;
    /** Node and pod (anti-)affinity, as in a Pod spec (nodeAffinity, podAffinity, podAntiAffinity). */
    affinity?: Record<string, unknown>;
    /** PriorityClass of the pods: which pods the scheduler evicts first when the cluster is full. */
    priorityClassName?: string;
  };
};

export type ModelReleaseStatus = {
  /** The .metadata.generation this status describes. */
  observedGeneration?: number;
  /** The TrainingRun being served. */
  champion?: {
    /** Name of the champion TrainingRun. */
    run?: string;
    /** URI of the champion's artifact. */
    artifact?: string;
    /** sha256 of the champion artifact's manifest. */
    digest?: string;
    /** When the run became champion. */
    promotedAt?: string;
    /** The champion run's metrics on its held-out ratings. */
    metrics?: {
      /** Root mean squared error of predicted ratings on the held-out ratings (lower is better). */
      rmse?: number;
      /** Mean absolute error of predicted ratings on the held-out ratings (lower is better). */
      mae?: number;
      /** Share of the top 10 recommendations that the user liked (rated 4 or more) in the held-out ratings. */
      precisionAt10?: number;
      /** Share of the user's liked held-out movies found in their top 10. */
      recallAt10?: number;
      /** Normalised discounted cumulative gain of the top 10 against the liked held-out movies. */
      ndcgAt10?: number;
      /** Share of the catalogue that appears in at least one user's top 10. */
      coverage?: number;
      /** Wall-clock seconds the training took. */
      trainSeconds?: number;
    };
  };
  /** Earlier champions, newest first (at most 20). */
  history?: Array<{
    /** Name of the TrainingRun that was champion. */
    run?: string;
    /** sha256 of its artifact's manifest. */
    digest?: string;
    /** When it became champion. */
    promotedAt?: string;
    /** Why it was promoted. */
    reason?: string;
  }>;
  /** The last promotion decision on a candidate run. */
  lastDecision?: {
    /** The candidate TrainingRun. */
    run?: string;
    /** Promoted, Rejected (a gate or the champion won) or Pinned (spec.promotion.pinnedRun). */
    outcome?: "Promoted" | "Rejected" | "Pinned";
    /** The figures behind the decision. */
    reason?: string;
    /** When the decision was taken. */
    time?: string;
  };
  /** The inference Deployment and Service of the champion. */
  serving?: {
    /** Name of the inference Deployment. */
    deployment?: string;
    /** Name of the inference Service. */
    service?: string;
    /** In-cluster URL of the inference Service. */
    url?: string;
    /** Inference pods wanted. */
    replicas?: number;
    /** Inference pods ready to serve. */
    readyReplicas?: number;
  };
  /** The challenger judged on live traffic (Shadow or Canary), and where it stands. */
  rollout?: {
    /** The challenger TrainingRun. */
    run?: string;
    /** URI of the challenger's artifact. */
    artifact?: string;
    /** sha256 of the challenger artifact's manifest. */
    digest?: string;
    /** The strategy the rollout started with. */
    strategy?: "Shadow" | "Canary";
    /** Judging while the challenger serves beside the champion; Promoted or RolledBack once decided (a rolled-back run is not tried again). */
    phase?: "Judging" | "Promoted" | "RolledBack";
    /** Index of the canary step in force (0 in Shadow). */
    step?: number;
    /** Percent of users the challenger serves (0 in Shadow). */
    share?: number;
    /** When the step started. */
    stepStartedAt?: string;
    /** The last judgement and the figures behind it. */
    reason?: string;
    /** Online figures from the inference pods of the current step. */
    online?: {
      /** Ratings the champion predicted. */
      championLabels?: number;
      /** The champion's online RMSE. */
      championRmse?: number;
      /** The champion's online hit rate. */
      championHitRate?: number;
      /** Ratings the challenger predicted. */
      challengerLabels?: number;
      /** The challenger's online RMSE. */
      challengerRmse?: number;
      /** The challenger's online hit rate. */
      challengerHitRate?: number;
      /** Share of the challenger's answers that failed. */
      challengerErrorRatio?: number;
      /** Upper bound of the challenger's p99 answer time, in milliseconds. */
      challengerP99Ms?: number;
    };
  };
  /** Runs rolled back on their online figures, newest first (at most 20): never selected again. */
  rolledBack?: Array<string>;
  /** When spec.retrain.schedule next starts a TrainingRun. */
  nextRetrainTime?: string;
  /** Ready (a champion is served by ready pods) and Promoted, with reasons and messages. */
  conditions?: Array<{
    /** Condition type, e.g. Ready or Succeeded. */
    type: string;
    /** True, False or Unknown. */
    status: string;
    /** The .metadata.generation the condition was set for. */
    observedGeneration?: number;
    /** When the status last changed. */
    lastTransitionTime: string;
    /** A CamelCase word for programs: why the condition has this status. */
    reason: string;
    /** A sentence for people: what happened and what to do. */
    message: string;
  }>;
};
