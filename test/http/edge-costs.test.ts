// The cheap edge of issue #12 item 2: what each saving must keep. Verification answers are
// written without express `send` (no ETag on a no-store answer, the same content type), a
// known API key is remembered while an unknown one always takes the constant-time path and
// the failure limiter, and the access line is written without the redaction pass while every
// other line keeps it. Certificates are signed by the test PKI (test/helpers/service.ts).
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaccination } from '../../scripts/demo/samples.js';
import { hc1, LogCapture } from '../helpers/service.js';
import { ClientRegistry, KNOWN_KEYS_MAX } from '../../src/http/auth.js';
import { sequence } from '../../src/http/guards.js';
import { API_HEADERS } from '../../src/http/headers.js';
import { createLogger } from '../../src/logger.js';
import { requestLog } from '../../src/http/request-log.js';
import { createMetrics } from '../../src/metrics.js';
import express from 'express';
import { bearer, clientsJson, edgeService, KEYS, writeClientsFile } from './edge-helpers.js';

const AT = '2021-10-01T10:00:00Z';
let svc: Awaited<ReturnType<typeof edgeService>>;
let qr: string;
beforeAll(async () => {
  svc = await edgeService({ edge: { clientsFile: writeClientsFile(), audit: false } });
  qr = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
});
afterAll(() => svc.close());

describe('verification answers written without express send (issue #12 item 2)', () => {
  it('verify, batch, holder-status: 200 JSON with charset, no-store, the API security headers, and no ETag', async () => {
    const auth = bearer(KEYS.partner);
    for (const res of [
      await request(svc.app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT }),
      await request(svc.app).post('/v1/verify/batch').set('authorization', auth).send({ items: [{ qr, at: AT }] }),
      await request(svc.app).post('/v1/holder-status').set('authorization', auth).send({ qrs: [qr], at: AT }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['etag']).toBeUndefined();
      for (const [name, value] of API_HEADERS) expect(res.headers[name.toLowerCase()], name).toBe(value);
      expect(JSON.parse(res.text)).toEqual(res.body);
    }
  });

  it('GET /v1/trust: JSON with charset and no ETag; HEAD answers the same headers without a body', async () => {
    const get = await request(svc.app).get('/v1/trust').set('authorization', bearer(KEYS.partner));
    expect(get.status).toBe(200);
    expect(get.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(get.headers['etag']).toBeUndefined();
    const head = await request(svc.app).head('/v1/trust').set('authorization', bearer(KEYS.partner));
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
  });
});

describe('ClientRegistry.byKey remembers known keys only (issue #12 item 2)', () => {
  it('a known key: the same client each time, remembered once; a wrong key is never remembered', () => {
    const registry = ClientRegistry.parse(clientsJson());
    expect(registry.byKey(KEYS.partner)?.id).toBe('nl-gateway');
    expect(registry.byKey(KEYS.partner)?.id).toBe('nl-gateway');
    expect(registry.byKey(KEYS.app)?.id).toBe('id-app');
    expect(registry.rememberedKeys).toBe(2);
    for (let i = 0; i < 50; i++) expect(registry.byKey(`${KEYS.partner}${i}`)).toBeUndefined();
    expect(registry.rememberedKeys).toBe(2);
    expect(KNOWN_KEYS_MAX).toBeGreaterThanOrEqual(1_000);
  });

  it('a remembered client cannot be changed by a route (frozen): the next request sees the file’s scopes', () => {
    const registry = ClientRegistry.parse(clientsJson());
    const client = registry.byKey(KEYS.partner)!;
    expect(() => ((client as { id: string }).id = 'operator')).toThrow(TypeError);
    expect(registry.byKey(KEYS.partner)?.scopes).toEqual(['verify']);
  });

  it('wrong keys after a right one still reach the failure limiter: 401 until the address is refused with 429', async () => {
    const ok = await request(svc.app).post('/v1/verify').set('authorization', bearer(KEYS.partner)).send({ qr, at: AT });
    expect(ok.status).toBe(200);
    const codes = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await request(svc.app).post('/v1/verify').set('authorization', bearer(`wrong-${i}-0123456789abcdef`)).send({ qr, at: AT });
      codes.add((res.body as { code: string }).code);
    }
    expect([...codes].sort()).toEqual(['RATE_LIMITED', 'UNAUTHORIZED']);
  });
});

describe('the access line without the redaction pass (issue #12 item 2)', () => {
  it('the access line has its fixed fields; another line of the same logger is still redacted', async () => {
    const logs = new LogCapture();
    const logger = createLogger({ level: 'info', destination: logs });
    const app = express();
    app.use(requestLog(logger, createMetrics()));
    app.get('/x', (_req, res) => {
      logger.info({ qr: 'ZZSECRETQR', holder: { familyName: 'ZZSECRETNAME' } }, 'other');
      res.end('ok');
    });
    await request(app).get('/x').set('x-request-id', 'caller-id-0001');
    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const access = lines.find((l) => l['msg'] === 'request')!;
    expect(Object.keys(access).filter((k) => !['level', 'time', 'pid', 'hostname', 'service', 'msg'].includes(k)).sort()).toEqual(
      ['callerReqId', 'method', 'ms', 'reqId', 'route', 'status'].sort(),
    );
    expect(access['service']).toBe('lintas-verifier');
    expect(access['status']).toBe(200);
    expect(logs.text()).not.toContain('ZZSECRET');
    expect(lines.find((l) => l['msg'] === 'other')?.['qr']).toBe('[redacted]');
  });
});

describe('sequence: several middlewares as one layer (issue #12 item 2)', () => {
  const appWith = (...steps: Parameters<typeof sequence>) => {
    const app = express();
    app.use(sequence(...steps));
    app.get('/x', (_req, res) => void res.end(String(res.locals['trail'])));
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(418).end(err.message));
    return app;
  };
  const mark = (n: string) => (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    res.locals['trail'] = `${res.locals['trail'] ?? ''}${n}`;
    next();
  };

  it('runs the steps in order, then the route', async () => {
    const res = await request(appWith(mark('a'), async (req, res, next) => mark('b')(req, res, next), mark('c'))).get('/x');
    expect([res.status, res.text]).toEqual([200, 'abc']);
  });

  it('a thrown error, a rejected promise or next(err) stops the sequence at the error handler', async () => {
    const thrown = await request(appWith(mark('a'), () => { throw new Error('thrown'); }, mark('c'))).get('/x');
    const rejected = await request(appWith(async () => { throw new Error('rejected'); }, mark('c'))).get('/x');
    const passed = await request(appWith((_q, _s, next) => next(new Error('passed')), mark('c'))).get('/x');
    expect([thrown.status, thrown.text, rejected.status, rejected.text, passed.status, passed.text]).toEqual([418, 'thrown', 418, 'rejected', 418, 'passed']);
  });
});
