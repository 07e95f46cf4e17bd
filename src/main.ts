// The process edge: the only module that reads `process`. Parses the environment, builds the
// service, listens, and drains in-flight requests on SIGTERM (contract "Starting it").
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { ConfigError, parseConfig } from './config.js';
import { createService } from './compose.js';
import { PolicyError } from './policy/load.js';

const SHUTDOWN_GRACE_MS = 8_000;

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const service = await createService({
    trustListsDir: resolve(config.TRUST_LISTS_DIR),
    ...(config.POLICY_FILE ? { policyFile: resolve(config.POLICY_FILE) } : {}),
    dataDir: resolve(config.DATA_DIR),
    logLevel: config.LOG_LEVEL,
  });
  const { logger } = service;
  if (!service.trust.ready()) logger.warn('no trust source loaded: verification answers 503 until one loads');

  const server = createServer({ requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, service.app);
  server.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const where = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : String(addr);
    logger.info({ address: where, policy: `${service.policy.id}@${service.policy.version}` }, 'listening');
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
    server.close(() => {
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof PolicyError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`start-up failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  }
  process.exit(1);
});
