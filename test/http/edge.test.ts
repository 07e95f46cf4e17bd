// The HTTP edge with its pipeline injected (createApp with the real adapters and trust store of
// a test service, and deps replaced where a test needs a fault or a stall): faults answer 503
// VERIFICATION_UNAVAILABLE on every verification route (contract "Faults are not verdicts"),
// a certificate counts as one use of the client's allowance (contract "Clients"), and each
// finding of issue #12 item 7 has its test, named after it.
import { connect, type AddressInfo } from 'node:net';
import http, { type Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../../src/app.js';
import { vaccination } from '../../scripts/demo/samples.js';
import { VerificationError, VerificationFault } from '../../src/errors.js';
import { ADAPTERS } from '../../src/formats/index.js';
import { metricsApp } from '../../src/http/ops.js';
import { createHttpServer, MAX_REQUESTS_PER_SOCKET } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { combine } from '../../src/policy/combine.js';
import { evaluate, policyLabel } from '../../src/policy/evaluate.js';
import type { PipelineDeps } from '../../src/pipeline/verify.js';
import { LogCapture, hc1 } from '../helpers/service.js';
import { bearer, clientsJson, edgeService, KEYS } from './edge-helpers.js';
import { ClientRegistry, sha256Hex } from '../../src/http/auth.js';

const AT = '2021-10-01T10:00:00Z';
let svc: Awaited<ReturnType<typeof edgeService>>;
let qr: string;
let other: string;
beforeAll(async () => {
  svc = await edgeService({ edge: { audit: false } });
  qr = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
  other = hc1(svc.pki, vaccination({ dn: 1, sd: 2, dt: '2021-07-01' }));
});
afterAll(() => svc.close());

interface Built {
  app: ReturnType<typeof createApp>;
  logs: LogCapture;
  metrics: ReturnType<typeof createMetrics>;
  clock: { now: number };
}

/** An app over the test service's trust, with `pipeline` and other deps overridden. */
function build(pipeline: Partial<PipelineDeps> = {}, extra: Partial<AppDeps> = {}): Built {
  const logs = new LogCapture();
  const metrics = createMetrics();
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const app = createApp({
    pipeline: {
      adapters: ADAPTERS,
      trust: () => svc.trust.current().resolver,
      domestic: (c, at, lang) => evaluate(c, svc.policy, at, lang),
      policyRef: () => policyLabel(svc.policy),
      ...pipeline,
    },
    trust: { ready: () => true, summary: (at) => svc.trust.summary(at) },
    logger: createLogger({ level: 'info', destination: logs }),
    metrics,
    now: () => new Date(clock.now),
    holder: { combine: (certs, at, lang) => combine(certs, svc.policy, at, lang) },
    ...extra,
  });
  return { app, logs, metrics, clock };
}

const problemCode = (res: request.Response) => (res.body as { code?: string }).code;

describe('faults are not verdicts (contract "Faults are not verdicts")', () => {
  // Each way a dependency of the pipeline can fail that is not the certificate's fault.
  const FAULTS: [string, Partial<PipelineDeps>][] = [
    ['a VerificationFault from the trust resolver', { trust: () => { throw new VerificationFault('WORKER_TIMEOUT', 'injected'); } }],
    ['a plain Error (a bug)', { trust: () => { throw new Error('injected bug'); } }],
    [
      'a stage whose promise rejects (a resolver whose every lookup throws inside the async stage)',
      {
        trust: () =>
          new Proxy({}, { get: (_t, prop) => (prop === 'then' ? undefined : () => { throw new Error('injected rejection'); }) }) as never,
      },
    ],
    ['a fault in the domestic policy after a valid signature', { domestic: () => { throw new VerificationFault('PROCESSOR_ERROR'); } }],
  ];
  const ROUTES: [string, (app: Built['app']) => request.Test][] = [
    ['/v1/verify', (app) => request(app).post('/v1/verify').send({ qr, at: AT })],
    ['/v1/verify/batch (the whole batch)', (app) => request(app).post('/v1/verify/batch').send({ items: [{ qr: 'HC2:not-this-one', at: AT }, { qr, at: AT }] })],
    ['/v1/holder-status', (app) => request(app).post('/v1/holder-status').send({ qrs: [qr, other], at: AT })],
  ];
  for (const [fault, deps] of FAULTS) {
    for (const [route, call] of ROUTES) {
      it(`${route}: ${fault} → 503 VERIFICATION_UNAVAILABLE with Retry-After, never a report`, async () => {
        const built = build(deps);
        const res = await call(built.app);
        expect(res.status).toBe(503);
        expect(problemCode(res)).toBe('VERIFICATION_UNAVAILABLE');
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(res.body.outcome).toBeUndefined();
        expect(res.body.results).toBeUndefined();
        const metrics = await built.metrics.registry.metrics();
        expect(metrics).toMatch(/^verification_faults_total\{reason="[A-Z_]+"\} 1$/m);
        // Logged with the request id, never with the QR text or the error's message.
        const line = built.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'verification fault');
        expect(line?.['reqId']).toBe(res.headers['x-request-id']);
        expect(built.logs.text()).not.toContain(qr.slice(4, 40));
        expect(built.logs.text()).not.toContain('injected');
      });
    }
  }

  it('the image route: a fault while verifying the decoded text → 503 VERIFICATION_UNAVAILABLE', async () => {
    // A stand-in decoder that "reads" the QR text at once: the fault comes from verifying it.
    const built = build(FAULTS[1]![1], { images: { decode: async () => qr, close: async () => {} } });
    const res = await request(built.app).post('/v1/verify/image').set('content-type', 'image/png').send(Buffer.from('x'));
    expect(res.status).toBe(503);
    expect(problemCode(res)).toBe('VERIFICATION_UNAVAILABLE');
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('the same service answers a report again once the fault is gone (the fault is not sticky)', async () => {
    const res = await request(build().app).post('/v1/verify').send({ qr, at: AT });
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('VALID');
  });
});

describe('every certificate counts (contract "Clients"; issue #12 item 4)', () => {
  const limited = (perMinute: number) => {
    const clients = ClientRegistry.parse({ clients: [{ id: 'c', keySha256: sha256Hex(KEYS.partner), scopes: ['verify'], requestsPerMinute: perMinute }] });
    return build({}, { clients });
  };
  const auth = bearer(KEYS.partner);

  it('a batch of n uses n: a 5/minute client verifies one batch of 5, then gets 429', async () => {
    const { app } = limited(5);
    const items = Array.from({ length: 5 }, () => ({ qr, at: AT }));
    expect((await request(app).post('/v1/verify/batch').set('authorization', auth).send({ items })).status).toBe(200);
    const next = await request(app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT });
    expect(next.status).toBe(429);
    expect(problemCode(next)).toBe('RATE_LIMITED');
  });

  it('holder-status of n certificates uses n', async () => {
    const { app } = limited(3);
    expect((await request(app).post('/v1/holder-status').set('authorization', auth).send({ qrs: [qr, other], at: AT })).status).toBe(200);
    expect((await request(app).post('/v1/holder-status').set('authorization', auth).send({ qrs: [qr, other], at: AT })).status).toBe(429);
    expect((await request(app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT })).status).toBe(200);
  });

  it('a request needing more than is left gets 429, verifies nothing and uses none of the allowance', async () => {
    const { app, metrics } = limited(4);
    expect((await request(app).post('/v1/verify/batch').set('authorization', auth).send({ items: [{ qr, at: AT }, { qr, at: AT }] })).status).toBe(200);
    const big = await request(app).post('/v1/verify/batch').set('authorization', auth).send({ items: [{ qr, at: AT }, { qr, at: AT }, { qr, at: AT }] });
    expect(big.status).toBe(429);
    expect(big.body.results).toBeUndefined();
    expect(await metrics.registry.metrics()).toMatch(/^verifications_total\{[^}]*\} 2$/m);
    // The two uses left are still there.
    expect((await request(app).post('/v1/verify/batch').set('authorization', auth).send({ items: [{ qr, at: AT }, { qr, at: AT }] })).status).toBe(200);
  });

  it('regression (issue #12 item 7): a refused request uses no allowance; waiting exactly Retry-After is then served', async () => {
    const { app, clock } = limited(3);
    for (let i = 0; i < 3; i++) expect((await request(app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT })).status).toBe(200);
    let refused = await request(app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT });
    for (let i = 0; i < 5; i++) refused = await request(app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT });
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    clock.now += (wait - 1) * 1000;
    expect((await request(app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT })).status).toBe(429);
    clock.now += 1000;
    expect((await request(app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT })).status).toBe(200);
  });

  it('a fault gives the uses back: the client is not charged for the service’s failure', async () => {
    const clients = ClientRegistry.parse({ clients: [{ id: 'c', keySha256: sha256Hex(KEYS.partner), scopes: ['verify'], requestsPerMinute: 2 }] });
    const faulty = build({ trust: () => { throw new VerificationFault('WORKER_EXITED'); } }, { clients });
    for (let i = 0; i < 4; i++) expect((await request(faulty.app).post('/v1/verify').set('authorization', auth).send({ qr, at: AT })).status).toBe(503);
  });

  it('regression (issue #12 item 7): failed authentication is limited per client address, then 429 even for a valid key', async () => {
    const clients = ClientRegistry.parse(clientsJson());
    const { app } = build({}, { clients, authFailuresPerMinute: 5 });
    for (let i = 0; i < 5; i++) expect((await request(app).get('/v1/trust').set('authorization', bearer(`wrong-key-${i}-0123456789`))).status).toBe(401);
    const limitedRes = await request(app).get('/v1/trust').set('authorization', bearer('wrong-key-x-0123456789'));
    expect(limitedRes.status).toBe(429);
    expect(limitedRes.headers['retry-after']).toBeDefined();
    // Guessing stops paying off: even the right key is refused from this address for now.
    expect((await request(app).get('/v1/trust').set('authorization', bearer(KEYS.partner))).status).toBe(429);
  });

  it('regression (issue #12 item 7): the auth scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` work', async () => {
    const { app } = build({}, { clients: ClientRegistry.parse(clientsJson()) });
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      expect((await request(app).get('/v1/trust').set('authorization', `${scheme} ${KEYS.partner}`)).status).toBe(200);
    }
  });
});

describe('the security findings of issue #12 item 7', () => {
  it('regression: a slow body (1 byte/s) gets 408 quickly and never holds a verification slot', async () => {
    // One slot: if the slow body held it, the verification below would get 503.
    const { app, metrics } = build({}, { maxInFlight: 1 });
    const server = createHttpServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const slow = connect(port, '127.0.0.1');
      await new Promise((r) => slow.once('connect', r));
      let answer = '';
      slow.on('data', (d) => (answer += d.toString()));
      slow.write('POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
      const drip = setInterval(() => slow.writable && slow.write('"'), 1000);
      // While the slow body trickles in, verifications are served: it holds no slot.
      await new Promise((r) => setTimeout(r, 100));
      expect((await request(server).post('/v1/verify').send({ qr, at: AT })).status).toBe(200);
      expect(await metrics.registry.metrics()).toMatch(/^http_in_flight_requests 0$/m);
      // The body deadline (5 s) cuts it off with 408, long before the server's requestTimeout.
      const t0 = performance.now();
      await new Promise<void>((r) => {
        const check = setInterval(() => {
          if (answer.includes('\r\n\r\n') || performance.now() - t0 > 8000) {
            clearInterval(check);
            r();
          }
        }, 50);
      });
      clearInterval(drip);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('REQUEST_TIMEOUT');
      slow.destroy();
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 15_000);

  it('more verifications in progress than MAX_IN_FLIGHT → 503 OVERLOADED with Retry-After, at once; the slot comes back', async () => {
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    // A format whose signature check waits at a gate (a slow worker, say), then finds no signer.
    const stalling = {
      format: 'SHC' as const,
      detect: (t: string) => t.startsWith('STALL:'),
      decode: (t: string) => ({ format: 'SHC' as const, data: t, warnings: [] }),
      verifySignature: async () => {
        entered();
        await gate;
        throw new VerificationError('KID_UNKNOWN', 'test');
      },
      // The same stall for the one-call adapter interface of the first round.
      verify: async () => {
        entered();
        await gate;
        throw new VerificationError('KID_UNKNOWN', 'test');
      },
      claims: () => ({ revocation: {} }),
      map: () => ({ ok: false as const, problems: [] }),
    };
    const { app } = build({ adapters: [stalling as never, ...ADAPTERS] }, { maxInFlight: 1 });
    const held = request(app).post('/v1/verify').send({ qr: 'STALL:1', at: AT }).then((r) => r);
    await inside;
    const t = performance.now();
    const res = await request(app).post('/v1/verify').send({ qr, at: AT });
    expect(performance.now() - t).toBeLessThan(200);
    expect(res.status).toBe(503);
    expect(problemCode(res)).toBe('OVERLOADED');
    expect(res.headers['retry-after']).toBe('1');
    release();
    expect((await held).body.errors[0].code).toBe('KID_UNKNOWN');
    expect((await request(app).post('/v1/verify').send({ qr, at: AT })).status).toBe(200);
  });

  it('regression: answers carrying personal data say Cache-Control: no-store (verify, batch, holder-status)', async () => {
    const { app } = build();
    for (const res of [
      await request(app).post('/v1/verify').send({ qr, at: AT }),
      await request(app).post('/v1/verify/batch').send({ items: [{ qr, at: AT }] }),
      await request(app).post('/v1/holder-status').send({ qrs: [qr], at: AT }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('regression: `at` is parsed strictly as RFC 3339 (02-30, 13th month, 24:00, 02-29 of a common year → 400)', async () => {
    const { app } = build();
    for (const at of ['2021-02-30T10:00:00Z', '2021-13-01T10:00:00Z', '2021-10-01T24:00:00Z', '2021-02-29T00:00:00Z', '2021-10-01T10:00:60Z', '2021-10-01T10:00:00+24:00']) {
      const res = await request(app).post('/v1/verify').send({ qr, at });
      expect(res.status, at).toBe(400);
      expect(problemCode(res)).toBe('INVALID_REQUEST');
    }
    const leap = await request(app).post('/v1/verify').send({ qr, at: '2024-02-29T10:00:00+07:00' });
    expect(leap.status).toBe(200);
    expect(leap.body.checkedAt).toBe('2024-02-29T03:00:00.000Z');
  });

  it('regression: the access log names the route template, never the raw path (a QR or a name in a URL stays out of stdout)', async () => {
    const built = build({}, { clients: ClientRegistry.parse(clientsJson()) });
    await request(built.app).get('/v1/HC1:ZZSECRETQR/Budi%20Santoso');
    await request(built.app).post('/v1/verify?name=ZZSECRETNAME').set('authorization', bearer(KEYS.partner)).send({ qr });
    await request(built.app).get('/ZZSECRETPATH');
    const text = built.logs.text();
    for (const s of ['ZZSECRETQR', 'Budi', 'ZZSECRETNAME', 'ZZSECRETPATH']) expect(text).not.toContain(s);
    const routes = built.logs.lines.map((l) => JSON.parse(l) as { msg: string; route?: string }).filter((l) => l.msg === 'request').map((l) => l.route);
    expect(routes).toEqual(['/v1/*', '/v1/verify', 'unmatched']);
  });

  it('regression: /v1/trust shows codes and source ids in lastError, never paths or addresses', async () => {
    const broken = await edgeService({ broken: true, edge: { audit: false } });
    try {
      const res = await request(broken.app).get('/v1/trust');
      expect(res.status).toBe(200);
      const errors = (res.body.sources as { id: string; lastError: string | null }[]).map((s) => s.lastError).filter(Boolean);
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) expect(e).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(JSON.stringify(res.body)).not.toMatch(/\/tmp\/|lintas-trust|127\.0\.0\.1/);
    } finally {
      await broken.close();
    }
  });

  it('METRICS_PORT: PORT serves no /metrics (a NOT_FOUND problem); the metrics listener serves it and nothing else', async () => {
    const built = build({}, { metricsElsewhere: true });
    const none = await request(built.app).get('/metrics');
    expect(none.status).toBe(404);
    expect(problemCode(none)).toBe('NOT_FOUND');
    const ops = metricsApp({ metrics: built.metrics, logger: createLogger({ level: 'silent' }) });
    const m = await request(ops).get('/metrics');
    expect(m.status).toBe(200);
    expect(m.text).toMatch(/^# HELP verifications_total/m);
    expect((await request(ops).post('/v1/verify').send({ qr })).status).toBe(404);
  });

  it('every 404 carries the problem code NOT_FOUND', async () => {
    const { app } = build({}, { clients: ClientRegistry.parse(clientsJson()) });
    for (const res of [
      await request(app).get('/nothing'),
      await request(app).get('/v1/admin/nothing').set('authorization', bearer(KEYS.admin)),
      await request(app).post('/v1/admin/trust/refresh').set('authorization', bearer(KEYS.admin)),
      await request(build().app).get('/v1/admin/clients'),
    ]) {
      expect(res.status).toBe(404);
      expect(problemCode(res)).toBe('NOT_FOUND');
    }
  });
});

describe('connections and server timeouts (issue #12 item 7)', () => {
  it('regression: a client address holding its cap of connections has the next one closed at once', async () => {
    const server: Server = createHttpServer(build().app, undefined, { maxConnectionsPerAddress: 3 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const sockets = await Promise.all(Array.from({ length: 3 }, () => new Promise<ReturnType<typeof connect>>((r) => { const s = connect(port, '127.0.0.1', () => r(s)); })));
    const fourth = connect(port, '127.0.0.1');
    const closed = await new Promise<boolean>((r) => {
      fourth.once('close', () => r(true));
      setTimeout(() => r(false), 2000);
    });
    expect(closed).toBe(true);
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    // Once they are gone, the address may connect again.
    expect((await request(server).get('/healthz')).status).toBe(200);
    await new Promise((r) => server.close(r));
  });

  it('headersTimeout, requestTimeout and keepAliveTimeout are set deliberately on the server', () => {
    const server = createHttpServer(build().app);
    expect({ headersTimeout: server.headersTimeout, requestTimeout: server.requestTimeout, keepAliveTimeout: server.keepAliveTimeout }).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 15_000,
      keepAliveTimeout: 5_000,
    });
    expect(server.headersTimeout).toBeLessThan(server.requestTimeout);
  });

  it('a keep-alive connection is closed by the server after MAX_REQUESTS_PER_SOCKET answers, so a gateway with few connections moves between workers', async () => {
    const server = createHttpServer(build().app);
    expect(server.maxRequestsPerSocket).toBe(MAX_REQUESTS_PER_SOCKET);
    server.maxRequestsPerSocket = 5; // the same mechanism, at a size a test can reach
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const { port } = server.address() as AddressInfo;
      const answers: { connection: string | undefined; local: number | undefined }[] = [];
      for (let i = 0; i < 7; i++) {
        answers.push(
          await new Promise((resolve, reject) => {
            http
              .get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
                const local = res.socket.localPort;
                res.resume();
                res.on('end', () => resolve({ connection: res.headers.connection, local }));
              })
              .on('error', reject);
          }),
        );
      }
      expect(answers.map((a) => a.connection)).toEqual(['keep-alive', 'keep-alive', 'keep-alive', 'keep-alive', 'close', 'keep-alive', 'keep-alive']);
      // The first five shared one connection; the sixth came on a new one.
      expect(new Set(answers.slice(0, 5).map((a) => a.local)).size).toBe(1);
      expect(answers[5]!.local).not.toBe(answers[0]!.local);
    } finally {
      agent.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('the server makes requests and responses with the app\'s prototypes, so Express need not re-parent them', async () => {
    const { app } = build();
    const server = createHttpServer(app);
    // Runs before the app's listener, i.e. before Express's Object.setPrototypeOf.
    const born: boolean[] = [];
    server.prependListener('request', (req, res) => born.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await request(server).post('/v1/verify').send({ qr, at: AT });
      expect(res.status).toBe(200);
      expect(res.body.outcome).toBe('VALID');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(born).toEqual([true, true]);
      // A HEAD answers without a body, as node's own ServerResponse does for it.
      const head = await request(server).head('/healthz');
      expect(head.status).toBe(200);
      expect(head.text ?? '').toBe('');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
