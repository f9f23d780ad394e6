export interface ReadLoad {
  /** How many answers of each status. */
  readonly statuses: Map<number, number>;
  /** `path status` of every answer other than 200. */
  readonly failures: string[];
  /** Answers so far. */
  readonly answered: number;
  /** Stops the clients once their requests in flight are answered. */
  stop(): Promise<void>;
}

/**
 * `clients` clients asking the read routes of the service at `base` one request after another,
 * user recommendations and predictions in turn (users 1-300, movies 1-100), until stopped.
 */
export function startReadLoad(base: string, clients: number): ReadLoad {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let answered = 0;
  let stopped = false;
  const client = async (id: number) => {
    for (let k = 0; !stopped; k++) {
      const path =
        k % 2 === 0
          ? `/v1/recommendations?userId=${1 + ((k * 7 + id) % 300)}`
          : `/v1/predict?userId=${1 + (k % 300)}&movieId=${1 + (k % 100)}`;
      const res = await fetch(`${base}${path}`);
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 200) failures.push(`${path} ${res.status}`);
      answered++;
    }
  };
  const running = Array.from({ length: clients }, (_, id) => client(id));
  return {
    statuses,
    failures,
    get answered() {
      return answered;
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}
