// The partner edge's parts, built from options: clients, rate-limit store, audit log. Kept
// out of compose.ts so the composition root only passes options through.
import { join } from 'node:path';
import type { AppDeps } from '../app.js';
import { AuditLog, auditKey, verifyAuditFile } from '../audit/log.js';
import type { Logger } from '../logger.js';
import { ClientRegistry } from './auth.js';
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit.js';

export interface EdgeOptions {
  /** CLIENTS_FILE; or `clients` directly (tests). Neither = open mode. */
  clientsFile?: string;
  clients?: ClientRegistry;
  /** Shared counters; else REDIS_URL; else counters in this process. */
  rateLimitStore?: RateLimitStore;
  redisUrl?: string;
  /** false = no audit log (default: on, in `<dataDir>/audit/<instance>.jsonl`). */
  audit?: boolean;
  auditFile?: string;
  /** AUDIT_HMAC_KEY; unset = a random key kept in `<dataDir>/audit/hmac.key`. */
  auditKey?: string;
  /** Names this process's audit file (one hash chain per writer): `main`, `worker-0`, … */
  instance?: string;
  maxInFlight?: number;
  /** /metrics of the whole cluster (src/cluster.ts). */
  metricsText?: AppDeps['metricsText'];
  /** METRICS_PORT is set: PORT serves no /metrics (main.ts listens with ops.ts metricsApp). */
  metricsElsewhere?: boolean;
  /** Failed authentications per client address and minute before 429. */
  authFailuresPerMinute?: number;
}

export type EdgeDeps = Pick<AppDeps, 'clients' | 'rateLimitStore' | 'audit' | 'maxInFlight' | 'checkAudit' | 'metricsText' | 'metricsElsewhere' | 'authFailuresPerMinute'>;

export interface Edge {
  deps: EdgeDeps;
  close(): Promise<void>;
}

export function auditFileOf(dataDir: string, instance = 'main'): string {
  return join(dataDir, 'audit', `${instance}.jsonl`);
}

export async function createEdge(opts: EdgeOptions & { dataDir: string }, logger: Logger, now: () => Date): Promise<Edge> {
  const clients = opts.clients ?? (opts.clientsFile ? ClientRegistry.load(opts.clientsFile) : undefined);
  if (clients) logger.info({ clients: clients.size }, 'clients loaded: /v1 needs credentials');
  else logger.info('no CLIENTS_FILE: verification is open, admin routes are off');

  let store = opts.rateLimitStore;
  let redis: RedisRateLimitStore | undefined;
  if (!store && opts.redisUrl) {
    let lastLogged = 0;
    redis = await RedisRateLimitStore.connect(opts.redisUrl, {
      onError: (err) => {
        // The client retries by itself; say so at most every 10 s.
        if (now().getTime() - lastLogged > 10_000) {
          lastLogged = now().getTime();
          logger.warn({ err: err.message }, 'redis connection error');
        }
      },
    });
    store = redis;
  }
  store ??= new MemoryRateLimitStore();

  let audit: AuditLog | undefined;
  if (opts.audit !== false) {
    const file = opts.auditFile ?? auditFileOf(opts.dataDir, opts.instance);
    audit = AuditLog.open({ file, hmacKey: auditKey(opts.dataDir, opts.auditKey), now });
    const head = audit.head();
    logger.info({ file: head.file, seq: head.seq, head: head.hash, degraded: audit.degraded }, 'audit log opened');
  }
  const auditLog = audit;
  return {
    deps: {
      ...(clients ? { clients } : {}),
      rateLimitStore: store,
      ...(auditLog ? { audit: auditLog, checkAudit: () => verifyAuditFile(auditLog.head().file) } : {}),
      ...(opts.maxInFlight ? { maxInFlight: opts.maxInFlight } : {}),
      ...(opts.metricsText ? { metricsText: opts.metricsText } : {}),
      ...(opts.metricsElsewhere ? { metricsElsewhere: true } : {}),
      ...(opts.authFailuresPerMinute ? { authFailuresPerMinute: opts.authFailuresPerMinute } : {}),
    },
    async close() {
      if (auditLog) {
        logger.info({ ...auditLog.head() }, 'audit log closed');
        auditLog.close();
      }
      await redis?.close();
    },
  };
}
