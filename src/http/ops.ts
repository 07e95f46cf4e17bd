// Operations routes (contract "Endpoints"): /healthz (the process is up), /readyz (a trust
// source is loaded) and /metrics (Prometheus text). With METRICS_PORT set, /metrics is served
// only by `metricsApp` on that port and not on PORT (contract "Starting it").
import express, { type Request, type Response } from 'express';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { HttpProblem, sendProblem } from './problems.js';

export interface OpsDeps {
  ready: () => boolean;
  metrics: Metrics;
  logger: Logger;
  /** /metrics of a whole process group (cluster primary); absent or failing = this process. */
  metricsText?: () => Promise<{ text: string; contentType: string }>;
  /** true with METRICS_PORT: this router serves no /metrics. */
  metricsElsewhere?: boolean;
}

function metricsHandler(deps: Pick<OpsDeps, 'metrics' | 'logger' | 'metricsText'>) {
  return async (_req: Request, res: Response): Promise<void> => {
    if (deps.metricsText) {
      try {
        const all = await deps.metricsText();
        return void res.type(all.contentType).send(all.text);
      } catch (err) {
        deps.logger.warn({ error: err instanceof Error ? err.name : typeof err }, 'cluster metrics unavailable; answering this worker only');
      }
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  };
}

export function opsRouter(deps: OpsDeps): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const ready = deps.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  if (!deps.metricsElsewhere) router.get('/metrics', metricsHandler(deps));
  return router;
}

/** The METRICS_PORT listener: /metrics and nothing else (bind it to an internal interface). */
export function metricsApp(deps: Pick<OpsDeps, 'metrics' | 'logger' | 'metricsText'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(deps));
  app.use((_req, res) => {
    sendProblem(res, new HttpProblem('NOT_FOUND', 'only /metrics is served on this port'));
  });
  return app;
}
