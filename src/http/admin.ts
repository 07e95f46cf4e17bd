// Every admin route, under /v1/admin (contract "Clients": scope `admin`). Only with a clients
// file, only for the admin scope (deny by default; without CLIENTS_FILE every admin path is
// 404). One router owns them all, so no route shadows another (review §7.1: a second
// `POST /trust/refresh` in trust-admin.ts never ran).
import express, { type Request, type Response } from 'express';
import type { AuditSink } from '../audit/log.js';
import type { TrustSummary } from '../trust/store.js';
import { authenticate, requireScope, type ClientRegistry } from './auth.js';
import { HttpProblem } from './problems.js';
import type { ClientLimiter, FailureLimiter } from './rate-limit.js';
import { markBase } from './request-log.js';

/** The operator's handle on the trust sources (src/trust/refresher.ts). */
export interface TrustAdmin {
  /** Refreshes every source now; resolves when the new snapshot is in force. */
  refresh(): Promise<unknown>;
  knows(id: string): boolean;
  held(id: string): boolean;
  /** The held list replaces the one in force (an operator decision); the source's new status. */
  acceptHeld(id: string): Promise<unknown>;
}

export interface AdminDeps {
  clients?: ClientRegistry;
  failures?: FailureLimiter;
  limiter: ClientLimiter;
  summary: () => TrustSummary;
  trustAdmin?: TrustAdmin;
  audit?: AuditSink;
  /** Re-walks this process's audit chain. */
  checkAudit?: () => unknown;
}

export function adminRouter(deps: AdminDeps): express.Router {
  const admin = express.Router();
  const charged = async (_req: Request, res: Response, next: () => void) => {
    await deps.limiter.charge(res, 1);
    next();
  };
  admin.use(markBase, authenticate(deps.clients, deps.failures), requireScope(deps.clients, 'admin'), charged);
  const trustAdmin = (): TrustAdmin => {
    if (!deps.trustAdmin) throw new HttpProblem('NOT_FOUND', 'this deployment has no trust refresher');
    return deps.trustAdmin;
  };
  const source = (req: Request): string => {
    const id = String(req.params['id']);
    if (!trustAdmin().knows(id)) throw new HttpProblem('NOT_FOUND', 'no such trust source');
    return id;
  };

  admin.get('/clients', (_req, res) => {
    res.json({ clients: deps.clients?.list() ?? [] });
  });
  admin.get('/audit', (_req, res) => {
    if (!deps.audit) throw new HttpProblem('NOT_FOUND', 'no audit log in this deployment');
    res.json({ head: deps.audit.head(), check: deps.checkAudit?.() ?? null });
  });
  // Refreshes every source; answers the trust summary once the new snapshot is in force.
  admin.post('/trust/refresh', async (_req, res) => {
    await trustAdmin().refresh();
    res.json(deps.summary());
  });
  admin.get('/trust/sources/:id', (req, res) => {
    const id = source(req);
    res.json(deps.summary().sources.find((s) => s.id === id));
  });
  admin.post('/trust/sources/:id/accept-held', async (req, res) => {
    const id = source(req);
    if (!trustAdmin().held(id)) throw new HttpProblem('NOTHING_HELD', `source "${id}" holds no list`);
    res.json(await trustAdmin().acceptHeld(id));
  });
  admin.use(() => {
    throw new HttpProblem('NOT_FOUND', 'no such resource');
  });
  return admin;
}
