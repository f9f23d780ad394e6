import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../common/log.ts';
import { createApp, type AppDeps } from '../app.ts';
import { type ChallengerSettings, LiveModels } from '../live-models.ts';
import { createServiceMetrics, type ServiceMetrics } from '../metrics.ts';
import { ModelHolder } from '../model-holder.ts';
import type { ModelSource } from '../model-loader.ts';
import type { ServingModel } from '../serving-model.ts';

export interface TestApp {
  url: string;
  holder: ModelHolder;
  models: LiveModels;
  metrics: ServiceMetrics;
  logLines: string[];
  close(): Promise<void>;
}

/**
 * The app on an ephemeral loopback port, with its log lines captured; `models` are what the holder
 * can load by URI; `challenger` names one of them to serve beside `initial` as in a rollout.
 */
export async function startTestApp(
  models: Record<string, ServingModel | (() => Promise<ServingModel>)>,
  initial: string,
  deps: Partial<Omit<AppDeps, 'holder' | 'models' | 'metrics' | 'log'>> = {},
  challenger?: { initial: string; settings: ChallengerSettings },
): Promise<TestApp> {
  const logLines: string[] = [];
  const log: Logger = createLogger({}, { level: 'debug', write: (line) => logLines.push(line) });
  const metrics = createServiceMetrics({ defaultMetrics: false });
  const load = async (source: ModelSource) => {
    const entry = models[source.uri];
    if (!entry) throw new Error(`no test model ${source.uri}`);
    return typeof entry === 'function' ? entry() : entry;
  };
  const holder = new ModelHolder(load, metrics, log);
  await holder.swap({ uri: initial });
  let second: { holder: ModelHolder; settings: ChallengerSettings } | null = null;
  if (challenger) {
    second = {
      holder: new ModelHolder(load, metrics, log, undefined, undefined, challenger.settings.mode),
      settings: challenger.settings,
    };
    await second.holder.swap({ uri: challenger.initial });
  }
  const live = new LiveModels(holder, metrics, log, second);
  const app = createApp({ holder, models: live, metrics, log, ...deps });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    holder,
    models: live,
    metrics,
    logLines,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
