// Every answer of every route matches GET /openapi.json (issue #11 item 6, issue #14 "Done
// means"; contract "every answer of every route matches the schemas of /openapi.json"). Real
// answers of the real service (createService; createApp where a fault must be injected) are
// validated with ajv's JSON Schema 2020-12 draft — a validator independent of zod, which
// generated the document — against the document the service serves. The schema of an answer is
// looked up by path template, method, status and media type; an answer whose route, status or
// media type the document does not name fails. At the end, every documented operation must have
// had at least one answer checked.
//
// Certificates: the demo samples in samples/ (signed by `npm run demo:keys` with the repo's demo
// PKI, trusted through trust-lists/), every one of them through POST /v1/verify; where a test
// needs a certificate of its own it is signed on the spot with the test PKI (test/helpers).
// QR images are drawn by the `qrcode` package, blank images by pngjs.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import pngjs from 'pngjs';
import QRCode from 'qrcode';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../../src/app.js';
import { createService, type Service } from '../../src/compose.js';
import { vaccination } from '../../scripts/demo/samples.js';
import { VerificationFault } from '../../src/errors.js';
import { ADAPTERS } from '../../src/formats/index.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { evaluate, policyLabel } from '../../src/policy/evaluate.js';
import type { PipelineDeps } from '../../src/pipeline/verify.js';
import { hc1, LogCapture } from '../helpers/service.js';
import { bearer, edgeService, KEYS, writeClientsFile } from './edge-helpers.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

const ROOT = process.cwd();
const SAMPLES = join(ROOT, 'samples');
const HAVE_SAMPLES = existsSync(join(SAMPLES, 'index.json'));
if (!HAVE_SAMPLES) console.warn('SKIPPED parts of test/http/openapi-answers.test.ts: samples/index.json is missing (npm run demo:keys)');
const AT = '2021-10-01T10:00:00Z';

type Json = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json> };
}

const DOC_ID = 'https://lintas.test/openapi.json';
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Looks answers up in the served document and validates them with ajv (draft 2020-12). */
class Checker {
  readonly ajv: Ajv2020;
  readonly seen = new Set<string>();
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #templates: { template: string; regex: RegExp; literal: boolean }[];

  constructor(readonly doc: Doc) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ ...(doc as unknown as Json), $id: DOC_ID });
    this.#templates = Object.keys(doc.paths).map((template) => ({
      template,
      regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literal: !template.includes('{'),
    }));
  }

  /** The documented template of a concrete path (a literal path wins over a template). */
  template(path: string): string | undefined {
    const matches = this.#templates.filter((t) => t.regex.test(path));
    return (matches.find((m) => m.literal) ?? matches[0])?.template;
  }

  #validator(ref: string): ValidateFunction {
    let v = this.#compiled.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: `${DOC_ID}#${ref}` });
      this.#compiled.set(ref, v);
    }
    return v;
  }

  check(method: string, url: string, res: request.Response): void {
    const path = url.split('?')[0]!;
    const template = this.template(path);
    const op = template ? this.doc.paths[template]?.[method] : undefined;
    const where = `${method.toUpperCase()} ${path} → ${res.status}`;
    let base: string;
    let response: Json | undefined;
    if (!op) {
      // No documented route: only the document's NotFound answer is allowed.
      expect(res.status, `${where}: route not in /openapi.json`).toBe(404);
      base = pointer('', 'components', 'responses', 'NotFound');
      response = this.doc.components.responses['NotFound'];
      this.seen.add('(unknown route) 404');
    } else {
      response = op.responses[String(res.status)];
      expect(response, `${where}: status not documented for ${method} ${template}`).toBeDefined();
      base = pointer('', 'paths', template!, method, 'responses', String(res.status));
      this.seen.add(`${method} ${template}`);
      this.seen.add(`${method} ${template} ${res.status}`);
    }
    const content = response!['content'] as Record<string, Json> | undefined;
    const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!content) {
      expect(res.text ?? '', `${where}: documented without a body`).toBe('');
      return;
    }
    expect(Object.keys(content), `${where}: media type ${type} not documented`).toContain(type);
    const body: unknown = /json$/.test(type) ? JSON.parse(res.text) : res.text;
    const validate = this.#validator(`${base}/${pointer('content', type, 'schema')}`);
    const ok = validate(body);
    expect(ok ? [] : validate.errors, `${where}: answer does not match its schema`).toEqual([]);
  }
}

let checker: Checker;

/** Sends, checks the answer against the document, returns it. */
async function answer(app: Parameters<typeof request>[0], method: 'get' | 'post', url: string, setup: (r: request.Test) => request.Test = (r) => r): Promise<request.Response> {
  const res = await setup(request(app)[method](url));
  checker.check(method, url, res);
  return res;
}

const code = (res: request.Response) => (res.body as { code?: string }).code;

/** A service over the repo's demo trust list, at a clock where the samples are fresh. */
async function demoService(): Promise<Service> {
  const index = JSON.parse(readFileSync(join(SAMPLES, 'index.json'), 'utf8')) as { generatedAt?: string };
  const clock = new Date(Date.parse(index.generatedAt ?? '2026-12-02T00:00:00Z') + 60 * 60 * 1000);
  return createService({
    trustListsDir: join(ROOT, 'trust-lists'),
    dataDir: mkdtempSync(join(tmpdir(), 'lintas-openapi-')),
    samplesDir: SAMPLES,
    now: () => clock,
    logger: createLogger({ level: 'info', destination: new LogCapture() }),
    trustRefresh: false,
  });
}

const samples = (): { id: string; file: string; expect: string }[] =>
  HAVE_SAMPLES ? (JSON.parse(readFileSync(join(SAMPLES, 'index.json'), 'utf8')) as { samples: { id: string; file: string; expect: string }[] }).samples : [];
const sampleText = (file: string) => readFileSync(join(SAMPLES, file), 'utf8').trim();

function blankPng(): Buffer {
  const png = new pngjs.PNG({ width: 64, height: 64 });
  png.data.fill(255);
  return pngjs.PNG.sync.write(png);
}

let demo: Service;
let open: Awaited<ReturnType<typeof edgeService>>;
let guarded: Awaited<ReturnType<typeof edgeService>>;
let broken: Awaited<ReturnType<typeof edgeService>>;
let qr: string;

beforeAll(async () => {
  open = await edgeService({ edge: { audit: false } });
  checker = new Checker((await request(open.app).get('/openapi.json')).body as Doc);
  guarded = await edgeService({ edge: { clientsFile: writeClientsFile() } });
  broken = await edgeService({ broken: true, edge: { audit: false } });
  qr = hc1(open.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
  if (HAVE_SAMPLES) demo = await demoService();
}, 60_000);

afterAll(async () => {
  await Promise.all([open?.close(), guarded?.close(), broken?.close(), demo?.close()]);
});

describe('the document itself', () => {
  it('GET /openapi.json is an answer of its own route, and ajv compiles every schema of it', async () => {
    await answer(open.app, 'get', '/openapi.json');
    for (const name of Object.keys(checker.doc.components.schemas)) expect(() => checker.ajv.getSchema(`${DOC_ID}#/components/schemas/${name}`)).not.toThrow();
  });

  it('every problem answer in the document uses the Problem schema, its code enumerated from the problem table', () => {
    for (const [path, ops] of Object.entries(checker.doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          const problem = (r['content'] as Record<string, { schema: { allOf?: Json[]; properties?: { code?: { enum?: string[] } } } }> | undefined)?.['application/problem+json'];
          if (Number(status) >= 400 && !(path === '/readyz' && status === '503')) expect(problem, `${method} ${path} ${status}`).toBeDefined();
          if (!problem) continue;
          expect(problem.schema.allOf).toEqual([{ $ref: '#/components/schemas/Problem' }]);
          expect(problem.schema.properties?.code?.enum?.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        }
      }
    }
  });
});

describe('the checker can fail (so the passes below mean something)', () => {
  const fake = (status: number, body: unknown, type = 'application/json') => ({ status, headers: { 'content-type': type }, text: JSON.stringify(body), body }) as unknown as request.Response;
  const report = { outcome: 'VALID', format: 'EU_DCC', errors: [], warnings: [], checks: [{ name: 'expiry', passed: true }], domestic: { status: 'GREEN', reasons: [], validUntil: null, policy: 'p@1' } };
  const refuses = (status: number, body: unknown, type?: string) => expect(() => checker.check('post', '/v1/verify', fake(status, body, type))).toThrow();

  it('a well-formed report passes; one the contract forbids fails', () => {
    checker.check('post', '/v1/verify', fake(200, report));
    refuses(200, { ...report, extra: 1 });
    refuses(200, { ...report, errors: [{ code: 'EXPIRED', message: 'x' }] });
    refuses(200, { ...report, domestic: { ...report.domestic, status: 'INVALID' } });
    refuses(200, { ...report, checks: [{ name: 'expiry', passed: true, applies: false }] });
    refuses(200, { ...report, checks: [{ name: 'expiry', passed: false, reason: 'NO_EXPIRY' }] });
    refuses(200, { ...report, checks: [{ name: 'nonsense', passed: true }] });
    refuses(200, { ...report, warnings: [{ code: 'MADE_UP', message: 'x' }] });
  });

  it('an undocumented status, media type, problem code, or a code of another status fails', () => {
    refuses(418, {});
    refuses(200, report, 'text/plain');
    const problem = { type: 't', title: 't', status: 400, detail: 'd' };
    checker.check('post', '/v1/verify', fake(400, { ...problem, code: 'INVALID_REQUEST' }, 'application/problem+json'));
    refuses(400, { ...problem, code: 'NOT_A_CODE' }, 'application/problem+json');
    refuses(400, { ...problem, code: 'HOLDER_MISMATCH' }, 'application/problem+json');
    refuses(400, { ...problem, status: 401, code: 'INVALID_REQUEST' }, 'application/problem+json');
  });
});

describe.skipIf(!HAVE_SAMPLES)('POST /v1/verify with every sample of samples/ (valid and invalid)', () => {
  it('every sample → 200 with a report that matches the document; the invalid ones carry their code', async () => {
    const list = samples();
    expect(list.length).toBeGreaterThan(10);
    const formats = new Set<string>();
    for (const s of list) {
      const res = await answer(demo.app, 'post', '/v1/verify', (r) => r.send({ qr: sampleText(s.file) }));
      expect(res.status, s.id).toBe(200);
      formats.add(res.body.format);
      const expected = /^INVALID \((\w+)\)/.exec(s.expect)?.[1];
      if (expected) expect(res.body.errors.map((e: { code: string }) => e.code), s.id).toContain(expected);
      else expect(res.body.outcome, s.id).toBe('VALID');
    }
    expect([...formats].sort()).toEqual(expect.arrayContaining(['DIVOC', 'EU_DCC', 'ICAO_VDS', 'SHC', 'WHO_DDCC']));
  });

  it('with receipt: true, in Indonesian, and for text that is no certificate at all', async () => {
    const text = sampleText('vaccination-complete.txt');
    const withReceipt = await answer(demo.app, 'post', '/v1/verify', (r) => r.send({ qr: text, receipt: true }));
    expect(withReceipt.body.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await answer(demo.app, 'post', '/v1/verify', (r) => r.set('accept-language', 'id').send({ qr: sampleText('expired.txt') }));
    const unknown = await answer(demo.app, 'post', '/v1/verify', (r) => r.send({ qr: 'HC2:XYZ' }));
    expect(unknown.body.errors[0].code).toBe('UNSUPPORTED_FORMAT');
    await answer(demo.app, 'post', '/v1/verify', (r) => r.send({ qr: text, arrivalCountry: 'DE' }));
  });

  it('batch (with a receipt per item) and holder-status of the samples', async () => {
    const items = samples().map((s) => ({ qr: sampleText(s.file), receipt: s.id === 'vaccination-booster' }));
    const batch = await answer(demo.app, 'post', '/v1/verify/batch', (r) => r.send({ items }));
    expect(batch.body.results).toHaveLength(items.length);
    const holder = await answer(demo.app, 'post', '/v1/holder-status', (r) => r.send({ qrs: [sampleText('vaccination-partial.txt'), sampleText('vaccination-complete.txt')] }));
    expect(holder.status).toBe(200);
    await answer(demo.app, 'post', '/v1/holder-status', (r) => r.send({ qrs: [sampleText('tampered.txt')] }));
  });

  it('the image route: a PNG of a sample QR → 200; a blank PNG → 422 NO_QR_FOUND; an empty one → 400; text → 415', async () => {
    const png = await QRCode.toBuffer(sampleText('vaccination-complete.txt'), { type: 'png', margin: 4, scale: 4 });
    const ok = await answer(demo.app, 'post', '/v1/verify/image', (r) => r.set('content-type', 'image/png').send(png));
    expect(ok.body.outcome).toBe('VALID');
    expect(code(await answer(demo.app, 'post', '/v1/verify/image', (r) => r.set('content-type', 'image/png').send(blankPng())))).toBe('NO_QR_FOUND');
    expect(code(await answer(demo.app, 'post', '/v1/verify/image', (r) => r.set('content-type', 'image/png').send(Buffer.from('not a png'))))).toBe('IMAGE_INVALID');
    expect((await answer(demo.app, 'post', '/v1/verify/image', (r) => r.set('content-type', 'text/plain').send('x'))).status).toBe(415);
    expect(code(await answer(demo.app, 'post', '/v1/verify/image?at=yesterday', (r) => r.set('content-type', 'image/png').send(png)))).toBe('INVALID_REQUEST');
  });

  it('trust, the signed export (200, 304), its key, the JWK set', async () => {
    await answer(demo.app, 'get', '/v1/trust');
    const exp = await answer(demo.app, 'get', '/v1/trust/export');
    expect(exp.status).toBe(200);
    expect((await answer(demo.app, 'get', '/v1/trust/export', (r) => r.set('if-none-match', exp.headers['etag'] as string))).status).toBe(304);
    await answer(demo.app, 'get', '/v1/trust/export/key');
    await answer(demo.app, 'get', '/.well-known/jwks.json');
  });

  it('the EU verifier-app backend: context, status, update paged until 204, rules, value sets, countries, and their 400/404', async () => {
    const app = demo.app;
    await answer(app, 'get', '/dgca/context');
    const kids = (await answer(app, 'get', '/dgca/signercertificateStatus')).body as string[];
    let token = '';
    for (let i = 0; i <= kids.length + 1; i++) {
      const res = await answer(app, 'get', '/dgca/signercertificateUpdate', (r) => r.set('x-resume-token', token));
      if (res.status === 204) break;
      token = res.headers['x-resume-token'] as string;
    }
    expect(code(await answer(app, 'get', '/dgca/signercertificateUpdate', (r) => r.set('x-resume-token', 'abc')))).toBe('INVALID_REQUEST');
    const rules = (await answer(app, 'get', '/dgca/rules')).body as { country: string; hash: string }[];
    expect(rules.length).toBeGreaterThan(0);
    await answer(app, 'get', `/dgca/rules/${rules[0]!.country}`);
    await answer(app, 'get', `/dgca/rules/${rules[0]!.country}/${rules[0]!.hash}`);
    expect(code(await answer(app, 'get', `/dgca/rules/${rules[0]!.country}/${'0'.repeat(64)}`))).toBe('NOT_FOUND');
    expect(code(await answer(app, 'get', '/dgca/rules/XYZ'))).toBe('INVALID_REQUEST');
    expect(code(await answer(app, 'get', '/dgca/rules/DE/nothex'))).toBe('INVALID_REQUEST');
    const sets = (await answer(app, 'get', '/dgca/valuesets')).body as { hash: string }[];
    await answer(app, 'get', `/dgca/valuesets/${sets[0]!.hash}`);
    expect(code(await answer(app, 'get', `/dgca/valuesets/${'0'.repeat(64)}`))).toBe('NOT_FOUND');
    expect(code(await answer(app, 'get', '/dgca/valuesets/nothex'))).toBe('INVALID_REQUEST');
    await answer(app, 'get', '/dgca/countrylist');
  });

  it('operations, docs and the console pages', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs', '/docs.css', '/', '/index.html', '/console/app.js', '/console/i18n.js', '/console/render.js', '/console/styles.css', '/vendor/jsQR.js', '/vendor/qrcode.js', '/favicon.ico', '/v1/samples']) {
      expect((await answer(demo.app, 'get', url)).status, url).toBeLessThan(300);
    }
  });
});

describe('problems of the open service (test PKI)', () => {
  it('400 INVALID_JSON / INVALID_REQUEST, 413 BODY_TOO_LARGE, 415, on each JSON route', async () => {
    for (const url of ['/v1/verify', '/v1/verify/batch', '/v1/holder-status']) {
      expect(code(await answer(open.app, 'post', url, (r) => r.set('content-type', 'application/json').send('{"qr":')))).toBe('INVALID_JSON');
      expect(code(await answer(open.app, 'post', url, (r) => r.send({})))).toBe('INVALID_REQUEST');
      expect(code(await answer(open.app, 'post', url, (r) => r.set('content-type', 'application/json').send(JSON.stringify({ qr: 'A'.repeat(70_000) }))))).toBe('BODY_TOO_LARGE');
      expect(code(await answer(open.app, 'post', url, (r) => r.set('content-type', 'text/plain').send('x')))).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(code(await answer(open.app, 'post', '/v1/verify', (r) => r.send({ qr, at: '2021-02-30T00:00:00Z' })))).toBe('INVALID_REQUEST');
  });

  it('422 HOLDER_MISMATCH for certificates of different holders', async () => {
    const other = hc1(open.pki, { ...vaccination({ dn: 1, sd: 2, dt: '2021-09-01' }), nam: { fn: 'Other', fnt: 'OTHER', gn: 'Person', gnt: 'PERSON' } });
    expect(code(await answer(open.app, 'post', '/v1/holder-status', (r) => r.send({ qrs: [qr, other], at: AT })))).toBe('HOLDER_MISMATCH');
  });

  it('404 NOT_FOUND for an unknown path, a wrong method, and every admin route without CLIENTS_FILE', async () => {
    expect(code(await answer(open.app, 'get', '/v1/nothing'))).toBe('NOT_FOUND');
    expect(code(await answer(open.app, 'get', '/v1/verify'))).toBe('NOT_FOUND');
    for (const [method, url] of [['get', '/v1/admin/clients'], ['get', '/v1/admin/audit'], ['post', '/v1/admin/trust/refresh'], ['get', '/v1/admin/trust/sources/test-list'], ['post', '/v1/admin/trust/sources/test-list/accept-held']] as const) {
      expect(code(await answer(open.app, method, url)), url).toBe('NOT_FOUND');
    }
  });

  it('503 TRUST_NOT_READY on every verification route and readyz 503 when no source loaded', async () => {
    expect((await answer(broken.app, 'get', '/readyz')).status).toBe(503);
    for (const url of ['/v1/verify', '/v1/verify/batch', '/v1/holder-status']) {
      const body = url === '/v1/verify/batch' ? { items: [{ qr }] } : url === '/v1/holder-status' ? { qrs: [qr] } : { qr };
      expect(code(await answer(broken.app, 'post', url, (r) => r.send(body)))).toBe('TRUST_NOT_READY');
    }
    expect(code(await answer(broken.app, 'post', '/v1/verify/image', (r) => r.set('content-type', 'image/png').send(blankPng())))).toBe('TRUST_NOT_READY');
  });

  it('503 VERIFICATION_UNAVAILABLE (a fault), OVERLOADED (no slot) and AUDIT_UNAVAILABLE (audit log fails), 404 /metrics with METRICS_PORT', async () => {
    const pipeline: PipelineDeps = {
      adapters: ADAPTERS,
      trust: () => open.trust.current().resolver,
      domestic: (c, at, lang) => evaluate(c, open.policy, at, lang),
      policyRef: () => policyLabel(open.policy),
    };
    const appWith = (extra: Partial<AppDeps>) =>
      createApp({
        pipeline,
        trust: { ready: () => true, summary: (at) => open.trust.summary(at) },
        logger: createLogger({ level: 'info', destination: new LogCapture() }),
        metrics: createMetrics(),
        now: () => new Date(AT),
        ...extra,
      });
    const faulty = appWith({ pipeline: { ...pipeline, trust: () => { throw new VerificationFault('WORKER_TIMEOUT', 'injected'); } } });
    expect(code(await answer(faulty, 'post', '/v1/verify', (r) => r.send({ qr })))).toBe('VERIFICATION_UNAVAILABLE');
    expect(code(await answer(faulty, 'post', '/v1/verify/batch', (r) => r.send({ items: [{ qr }] })))).toBe('VERIFICATION_UNAVAILABLE');
    const full = appWith({ maxInFlight: 0 });
    expect(code(await answer(full, 'post', '/v1/verify', (r) => r.send({ qr })))).toBe('OVERLOADED');
    const audit = { append: () => { throw new Error('disk full'); }, certificateHash: (id: string) => id, head: () => ({ seq: 0, hash: '0'.repeat(64) }) };
    const unaudited = appWith({ audit });
    expect(code(await answer(unaudited, 'post', '/v1/verify', (r) => r.send({ qr })))).toBe('AUDIT_UNAVAILABLE');
    const elsewhere = appWith({ metricsElsewhere: true });
    expect(code(await answer(elsewhere, 'get', '/metrics'))).toBe('NOT_FOUND');
  });
});

describe('with CLIENTS_FILE', () => {
  it('401 without credentials, 403 without the scope, on verify, trust, samples and admin routes', async () => {
    for (const [method, url] of [['post', '/v1/verify'], ['post', '/v1/verify/batch'], ['post', '/v1/holder-status'], ['get', '/v1/trust'], ['get', '/v1/samples'], ['get', '/v1/admin/clients']] as const) {
      expect(code(await answer(guarded.app, method, url, (r) => (method === 'post' ? r.send({ qr }) : r))), url).toBe('UNAUTHORIZED');
    }
    expect(code(await answer(guarded.app, 'post', '/v1/verify/image', (r) => r.set('content-type', 'image/png').send(blankPng())))).toBe('UNAUTHORIZED');
    expect(code(await answer(guarded.app, 'post', '/v1/verify', (r) => r.set('authorization', bearer(KEYS.admin)).send({ qr })))).toBe('FORBIDDEN');
    expect(code(await answer(guarded.app, 'get', '/v1/admin/audit', (r) => r.set('authorization', bearer(KEYS.partner))))).toBe('FORBIDDEN');
    // The publishing routes stay public.
    expect((await answer(guarded.app, 'get', '/dgca/context')).status).toBe(200);
  });

  it('200 answers of every admin route (and 404 / 409 where there is nothing)', async () => {
    const admin = (r: request.Test) => r.set('authorization', bearer(KEYS.admin));
    await answer(guarded.app, 'get', '/v1/admin/clients', admin);
    await answer(guarded.app, 'get', '/v1/admin/audit', admin);
    await answer(guarded.app, 'post', '/v1/admin/trust/refresh', admin);
    await answer(guarded.app, 'get', '/v1/admin/trust/sources/test-list', admin);
    expect(code(await answer(guarded.app, 'get', '/v1/admin/trust/sources/nope', admin))).toBe('NOT_FOUND');
    expect(code(await answer(guarded.app, 'post', '/v1/admin/trust/sources/test-list/accept-held', admin))).toBe('NOTHING_HELD');
  });

  it('200 for the client with the verify scope; 429 RATE_LIMITED once it is over its allowance', async () => {
    const partner = (r: request.Test) => r.set('authorization', bearer(KEYS.partner));
    await answer(guarded.app, 'post', '/v1/verify', (r) => partner(r).send({ qr, at: AT }));
    await answer(guarded.app, 'get', '/v1/trust', partner);
    const slow = (r: request.Test) => r.set('authorization', bearer(KEYS.slow));
    let last: request.Response | undefined;
    for (let i = 0; i < 5; i++) last = await answer(guarded.app, 'post', '/v1/verify', (r) => slow(r).send({ qr, at: AT }));
    expect(code(last!)).toBe('RATE_LIMITED');
    expect(last!.headers['retry-after']).toMatch(/^\d+$/);
  });
});

describe('coverage', () => {
  it('every operation of the document had a real answer checked', () => {
    const documented = Object.entries(checker.doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    const missing = documented.filter((op) => !checker.seen.has(op));
    expect(HAVE_SAMPLES ? missing : []).toEqual([]);
  });
});
