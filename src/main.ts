// The process edge: the only module that reads `process`. Parses the environment, builds the
// service, listens, and drains in-flight requests on SIGTERM (contract "Starting it").
//
// WORKERS > 1 (default `auto`: one per available core): this process becomes the cluster
// primary (src/cluster.ts) and forks that many HTTP workers; each worker runs the code below
// the `isPrimary` branch. WORKERS=1 serves from this process.
//
// Trust state belongs to one process per instance (contract "One instance, one trust state"):
// with WORKERS=1 that is this process; with WORKERS>1 the primary opens and runs the refresher
// (it alone downloads lists and writes DATA_DIR/trust-snapshots) and the workers install the
// snapshots it sends (src/cluster.ts PrimaryTrust).
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { auditKey } from './audit/log.js';
import { clusterMetrics, exposeWorkerRegistry, IpcRateLimitStore, PrimaryLink, PrimaryTrust, runPrimary } from './cluster.js';
import { ConfigError, parseConfig, publicBaseUrl, type Config } from './config.js';
import { createService } from './compose.js';
import { ClientsFileError } from './http/auth.js';
import { metricsApp } from './http/ops.js';
import { createHttpServer, type TlsMaterial } from './http/server.js';
import { createLogger } from './logger.js';
import { PolicyError } from './policy/load.js';
import { loadPublishingKey } from './publish/key.js';
import { openTrust } from './trust/refresher.js';

/**
 * The writer of this instance's DATA_DIR (temp-file names, src/trust/snapshots.ts): the host
 * name, which a StatefulSet pod keeps across restarts (deploy/kubernetes).
 */
const writerName = (): string => hostname().replace(/[^A-Za-z0-9.-]/g, '_');

/** The contract: exit 0 within 10 s of SIGTERM. Workers get this long to drain. */
const SHUTDOWN_GRACE_MS = 8_000;

function readTls(config: Config): TlsMaterial | undefined {
  if (!config.TLS_CERT || !config.TLS_KEY) return undefined;
  const read = (name: string, file: string) => {
    try {
      return readFileSync(resolve(file));
    } catch (err) {
      throw new ConfigError(`invalid configuration: ${name}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return {
    cert: read('TLS_CERT', config.TLS_CERT),
    key: read('TLS_KEY', config.TLS_KEY),
    ...(config.TLS_CLIENT_CA ? { clientCa: read('TLS_CLIENT_CA', config.TLS_CLIENT_CA) } : {}),
  };
}

async function primary(config: Config, workers: number): Promise<void> {
  const logger = createLogger({ level: config.LOG_LEVEL });
  // Created once here, so the workers never race to create the audit HMAC key.
  auditKey(resolve(config.DATA_DIR), config.AUDIT_HMAC_KEY);
  // Likewise the publishing key (a bad PUBLISH_KEY_FILE stops start-up here, once).
  await loadPublishingKey({ dataDir: resolve(config.DATA_DIR), ...(config.PUBLISH_KEY_FILE ? { keyFile: resolve(config.PUBLISH_KEY_FILE) } : {}) });
  // The instance's one trust refresher; every snapshot it makes goes to the workers.
  let publish = (): void => {};
  const trust = await openTrust({
    dir: resolve(config.TRUST_LISTS_DIR),
    dataDir: resolve(config.DATA_DIR),
    now: () => new Date(),
    logger,
    writer: writerName(),
    onChange: () => publish(),
  });
  for (const s of trust.store.current().sources) {
    if (s.lastError) logger.warn({ source: s.id, code: s.errorCode }, 'trust source failed to load');
    else logger.info({ source: s.id, signers: s.signerCount }, 'trust source loaded');
  }
  const group = runPrimary({ workers, logger, trust });
  publish = () => void group.publishTrust();
  trust.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    trust.stop();
    logger.info({ signal }, 'shutting down: workers drain in-flight requests');
    void group.stop(SHUTDOWN_GRACE_MS).then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function serve(config: Config, workers: number): Promise<void> {
  const slot = cluster.isWorker ? process.env['WORKER_SLOT'] ?? String(cluster.worker?.id ?? 0) : undefined;
  const link = cluster.isWorker ? new PrimaryLink(process) : undefined;
  const tls = readTls(config);
  // A worker serves the primary's trust snapshots; it waits for the first before it listens.
  let log: { info(o: object, m: string): void } | undefined;
  const shared = link
    ? await PrimaryTrust.join(link, process, (snapshot, ms) => log?.info({ snapshot: snapshot.id, ms: Math.round(ms * 10) / 10 }, 'trust snapshot installed'))
    : undefined;
  const service = await createService({
    ...(shared ? { sharedTrust: { store: shared.store, admin: shared } } : {}),
    // Image decoding threads (in each worker's decoder process): the cores shared among the HTTP processes.
    imagePool: { size: Math.max(1, Math.floor(availableParallelism() / workers)) },
    startImageDecoder: true,
    trustListsDir: resolve(config.TRUST_LISTS_DIR),
    ...(config.POLICY_FILE ? { policyFile: resolve(config.POLICY_FILE) } : {}),
    dataDir: resolve(config.DATA_DIR),
    logLevel: config.LOG_LEVEL,
    offThreadJsonLd: true,
    // Export, receipts and /dgca/* (contract "Serving verifier apps and partners").
    publish: {
      ...(config.PUBLISH_KEY_FILE ? { keyFile: resolve(config.PUBLISH_KEY_FILE) } : {}),
      baseUrl: publicBaseUrl(config),
      ...(tls ? { tlsCertPem: tls.cert } : {}),
    },
    edge: {
      ...(config.CLIENTS_FILE ? { clientsFile: resolve(config.CLIENTS_FILE) } : {}),
      ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : link ? { rateLimitStore: new IpcRateLimitStore(link) } : {}),
      ...(config.AUDIT_HMAC_KEY ? { auditKey: config.AUDIT_HMAC_KEY } : {}),
      // One hash chain per writing process; the host name keeps pods apart on a shared volume.
      instance: `${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${slot === undefined ? 'main' : `worker-${slot}`}`,
      maxInFlight: config.MAX_IN_FLIGHT,
      ...(link ? { metricsText: clusterMetrics(link) } : {}),
      ...(config.METRICS_PORT !== undefined ? { metricsElsewhere: true } : {}),
    },
  });
  if (link) exposeWorkerRegistry(service.metrics.registry);
  const { logger } = service;
  log = logger;
  if (!service.trust.ready()) logger.warn('no trust source loaded: verification answers 503 until one loads');

  const server = createHttpServer(service.app, tls, { maxConnectionsPerAddress: config.MAX_CONNECTIONS_PER_ADDRESS });
  // METRICS_PORT: /metrics on its own listener only (contract "Starting it"); PORT serves none.
  const metricsServer =
    config.METRICS_PORT === undefined
      ? undefined
      : createHttpServer(metricsApp({ metrics: service.metrics, logger: service.logger, ...(link ? { metricsText: clusterMetrics(link) } : {}) })).listen(
          config.METRICS_PORT,
          config.METRICS_HOST ?? config.HOST,
        );
  server.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const where = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : String(addr);
    logger.info(
      { address: where, tls: Boolean(tls), mutualTls: Boolean(tls?.clientCa), ...(slot !== undefined ? { worker: slot } : {}), policy: `${service.policy.id}@${service.policy.version}` },
      'listening',
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      logger.warn('drain timed out; closing remaining connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    metricsServer?.close();
    server.close(() => {
      void service.close().finally(() => {
        logger.info('stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const workers = config.WORKERS === 'auto' ? availableParallelism() : config.WORKERS;
  if (cluster.isPrimary && workers > 1) return primary(config, workers);
  return serve(config, cluster.isWorker ? workers : 1);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof PolicyError || err instanceof ClientsFileError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`start-up failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  }
  process.exit(1);
});
