// Real listening services on loopback for the publishing tests: createService over a trust folder
// the test writes, served by node:http on 127.0.0.1 with an OS-chosen port, and PUBLIC_BASE_URL
// set to that port (the server listens first, the service is attached to it once built).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createService, type Service, type ServiceOptions } from '../../src/compose.js';
import { dgcgEntry, type DemoCertificate } from '../../scripts/demo/pki.js';
import { createLogger } from '../../src/logger.js';
import { LogCapture } from '../helpers/service.js';

export const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** Writes `files` (paths relative to `dir`) and `sources.json` naming `sources`. */
export function writeTrust(dir: string, sources: object[], files: Record<string, string | Uint8Array>): string {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  writeFileSync(join(dir, 'sources.json'), JSON.stringify({ sources }));
  return dir;
}

/** A `dgcg-trustlist` file of `certs`, each listed for `country`. */
export function dgcgList(certs: readonly DemoCertificate[], country = 'XA'): string {
  return JSON.stringify(certs.map((c) => dgcgEntry(c, { country, timestamp: '2026-01-01T00:00:00Z' })));
}

export interface Listening {
  base: string;
  service: Service;
  logs: LogCapture;
  /** Stops the server (connections closed) and the service. */
  stop(): Promise<void>;
}

export async function listen(opts: Omit<ServiceOptions, 'logger'> & { logs?: LogCapture; port?: number }): Promise<Listening> {
  let handler: Service['app'] | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logs = opts.logs ?? new LogCapture();
  const { logs: _l, port: _p, ...rest } = opts;
  void _l;
  void _p;
  const service = await createService({
    ...rest,
    logger: createLogger({ level: 'info', destination: logs }),
    publish: { ...rest.publish, baseUrl: rest.publish?.baseUrl ?? base },
  });
  handler = service.app;
  let stopped = false;
  return {
    base,
    service,
    logs,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
    },
  };
}
