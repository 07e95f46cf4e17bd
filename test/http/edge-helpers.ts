// A real service over the test PKI with the partner edge configured (clients, limits, audit).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService } from '../../src/compose.js';
import { sha256Hex } from '../../src/http/auth.js';
import type { EdgeOptions } from '../../src/http/edge.js';
import { createLogger } from '../../src/logger.js';
import { LogCapture, testPki, writeTrustDir } from '../helpers/service.js';

export const KEYS = {
  partner: 'partner-key-0123456789abcdef',
  app: 'app-key-0123456789abcdef0123',
  admin: 'admin-key-0123456789abcdef01',
  slow: 'slow-key-0123456789abcdef012',
} as const;

/** A clients file: a partner and an app with `verify`, an operator with `admin` only. */
export function clientsJson(extra: object[] = []): object {
  return {
    clients: [
      { id: 'nl-gateway', keySha256: sha256Hex(KEYS.partner), scopes: ['verify'], requestsPerMinute: 1000 },
      { id: 'id-app', keySha256: sha256Hex(KEYS.app), scopes: ['verify'], requestsPerMinute: 1000 },
      { id: 'operator', keySha256: sha256Hex(KEYS.admin), scopes: ['admin'], requestsPerMinute: 1000 },
      { id: 'slow-partner', keySha256: sha256Hex(KEYS.slow), scopes: ['verify'], requestsPerMinute: 3 },
      ...extra,
    ],
  };
}

export function writeClientsFile(json: object = clientsJson()): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lintas-clients-')), 'clients.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

export async function edgeService(opts: { edge?: EdgeOptions; broken?: boolean; now?: () => Date; dataDir?: string } = {}) {
  const pki = await testPki();
  const logs = new LogCapture();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'lintas-data-'));
  const service = await createService({
    trustListsDir: writeTrustDir(pki, opts.broken ? { broken: true } : {}),
    dataDir,
    logger: createLogger({ level: 'info', destination: logs }),
    rulesDir: join(process.cwd(), 'trust-lists', 'rules'),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.edge ? { edge: opts.edge } : {}),
  });
  return { ...service, pki, logs, dataDir };
}

export const bearer = (key: string) => `Bearer ${key}`;
