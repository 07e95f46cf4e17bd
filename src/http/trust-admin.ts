// Trust administration over HTTP (issue 4), for the admin router of app.ts (scope `admin`,
// mounted under /v1/admin): force a refresh of some or all sources, see one source, and accept
// a list the shrink guard holds. Guards (authentication, scope, rate) are the caller's: this
// router assumes it is mounted behind requireScope(clients, 'admin').
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { HttpProblem } from './problem.js';
import type { TrustRefresher } from '../trust/refresher.js';

const refreshBody = z.object({ sources: z.array(z.string().min(1).max(64)).min(1).max(500).optional() }).strict();

export function trustAdminRouter(refresher: TrustRefresher, now: () => Date): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb', type: 'application/json', strict: true });
  const known = (id: string): void => {
    if (!refresher.definitions().some((d) => d.id === id)) throw new HttpProblem(404, `no trust source "${id}"`);
  };

  // POST /trust/refresh  { "sources"?: [id…] } → the status of each refreshed source.
  router.post('/trust/refresh', json, async (req: Request, res: Response) => {
    const parsed = refreshBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpProblem(400, 'body: { "sources"?: [source id, …] }', 'INVALID_REQUEST');
    for (const id of parsed.data.sources ?? []) known(id);
    const sources = await refresher.refresh(parsed.data.sources);
    res.json({ sources, summary: refresher.store.summary(now()) });
  });

  router.get('/trust/sources/:id', (req: Request, res: Response) => {
    const id = String(req.params['id']);
    known(id);
    res.json(refresher.store.summary(now()).sources.find((s) => s.id === id));
  });

  // POST /trust/sources/:id/accept-held → the held list replaces the one in force (operator decision).
  router.post('/trust/sources/:id/accept-held', async (req: Request, res: Response) => {
    const id = String(req.params['id']);
    known(id);
    if (!refresher.store.held(id)) throw new HttpProblem(409, `source "${id}" holds no list`, 'NOTHING_HELD');
    res.json(await refresher.acceptHeld(id));
  });
  return router;
}
