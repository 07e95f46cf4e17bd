// GET /openapi.json and /docs: an OpenAPI 3.1 document built from the request schemas, listing
// every route the app serves (route inventory, OWASP API9), whose answer schemas real answers
// satisfy; the docs page is local (no CDN, no script) and passes the CSP.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { vaccination } from '../../scripts/demo/samples.js';
import { BatchResponseSchema, HolderStatusResponseSchema, ReportSchema, TrustSummarySchema } from '../../src/http/openapi.js';
import { BatchRequestSchema, VerifyRequestSchema } from '../../src/http/schemas.js';
import { hc1 } from '../helpers/service.js';
import { edgeService } from './edge-helpers.js';

let svc: Awaited<ReturnType<typeof edgeService>>;
let doc: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>; components: { schemas: Record<string, Record<string, unknown>> } };
beforeAll(async () => {
  svc = await edgeService({ edge: { audit: false } });
  doc = (await request(svc.app).get('/openapi.json')).body;
});
afterAll(() => svc.close());

/** Routes registered on the Express app (method path), the console's and extensions' included. */
function appRoutes(): string[] {
  const out: string[] = [];
  const walk = (stack: unknown[], prefix: string) => {
    for (const layer of stack as { route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: unknown[] }; matchers?: unknown; regexp?: RegExp; name?: string }[]) {
      if (layer.route) {
        for (const p of [layer.route.path].flat()) for (const m of Object.keys(layer.route.methods)) out.push(`${m} ${prefix}${p}`.replace(/:(\w+)/g, '{$1}'));
      } else if (layer.handle?.stack) {
        const mount = layer.name === 'router' && (layer as { __mountpath?: string }).__mountpath;
        walk(layer.handle.stack, prefix + (typeof mount === 'string' ? mount : ''));
      }
    }
  };
  walk((svc.app as unknown as { router: { stack: unknown[] } }).router.stack, '');
  return out;
}

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 with the contract’s endpoints and status codes', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/v1/verify', '/v1/verify/batch', '/v1/holder-status', '/v1/verify/image', '/v1/trust', '/healthz', '/readyz', '/metrics', '/openapi.json', '/']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const verify = doc.paths['/v1/verify']!['post']!;
    expect(Object.keys(verify.responses).sort()).toEqual(['200', '400', '401', '403', '408', '413', '415', '429', '500', '503']);
    expect(Object.keys(doc.paths['/v1/holder-status']!['post']!.responses)).toContain('422');
  });

  it('describes request bodies with the very schemas the routes validate with', () => {
    const schema = doc.components.schemas['VerifyRequest']!;
    expect(schema).toMatchObject({ type: 'object', required: ['qr'], properties: { qr: { type: 'string', maxLength: 8192 }, at: { pattern: expect.any(String) } } });
    expect(Object.keys(schema['properties'] as object).sort()).toEqual(Object.keys(VerifyRequestSchema.shape).sort());
    const batch = doc.components.schemas['BatchRequest']!;
    expect(batch).toMatchObject({ properties: { items: { minItems: 1, maxItems: 100 } } });
    expect(Object.keys(BatchRequestSchema.shape)).toEqual(['items']);
    // The RFC 3339 pattern in the document is the one zod applies.
    const pattern = new RegExp(((schema['properties'] as Record<string, { pattern: string }>)['at']!).pattern);
    expect(pattern.test('2026-11-25T10:00:00Z')).toBe(true);
    expect(pattern.test('2026-11-25')).toBe(false);
  });

  it('lists every route the app serves, pages and files included (route inventory: nothing undocumented)', () => {
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    const served = appRoutes();
    expect(served.length).toBeGreaterThan(8);
    // Routes of mounted routers show their path inside the router (Express keeps no mount
    // path on the layer): such a route counts when a documented path of that method ends with it.
    const known = (r: string) => documented.has(r) || [...documented].some((d) => d.split(' ')[0] === r.split(' ')[0] && d.endsWith(r.split(' ')[1]!) && r.split(' ')[1] !== '/');
    const missing = served.filter((r) => !known(r));
    expect(missing).toEqual([]);
  });

  it('real answers satisfy the published answer schemas', async () => {
    const qr = hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }));
    const at = '2021-10-01T10:00:00Z';
    ReportSchema.parse((await request(svc.app).post('/v1/verify').send({ qr, at })).body);
    ReportSchema.parse((await request(svc.app).post('/v1/verify').send({ qr: 'HC1:GGW' })).body);
    ReportSchema.parse((await request(svc.app).post('/v1/verify').send({ qr, at, arrivalCountry: 'DE' })).body);
    BatchResponseSchema.parse((await request(svc.app).post('/v1/verify/batch').send({ items: [{ qr, at }, { qr: 'x' }] })).body);
    HolderStatusResponseSchema.parse((await request(svc.app).post('/v1/holder-status').send({ qrs: [qr], at })).body);
    TrustSummarySchema.parse((await request(svc.app).get('/v1/trust')).body);
    // And the published schema refuses what the contract forbids.
    expect(ReportSchema.safeParse({ outcome: 'VALID', format: null, errors: [{ code: 'EXPIRED', message: '' }], warnings: [], checks: [], domestic: { status: 'GREEN', reasons: [], validUntil: null, policy: 'p' } }).success).toBe(false);
    expect(z.toJSONSchema(ReportSchema, { io: 'output', unrepresentable: 'any' })).toBeTruthy();
  });
});

describe('GET /docs', () => {
  it('is a local page: no external URL, no script, only the local stylesheet', async () => {
    const res = await request(svc.app).get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('/v1/verify/batch');
    expect(res.text).not.toMatch(/<script/i);
    expect(res.text.match(/(?:src|href)="https?:/g)).toBeNull();
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect((await request(svc.app).get('/docs.css')).status).toBe(200);
  });
});
