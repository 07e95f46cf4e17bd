// The console and image routers on a bare Express app with the same problem rendering as
// src/app.ts, so each router's own behaviour is tested without the whole service (the
// end-to-end tests in test/e2e run them inside createService).
import { describe, expect, it } from 'vitest';
import express, { type NextFunction, type Request, type Response } from 'express';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import request from 'supertest';
import type { Lang } from '../../src/errors.js';
import type { Report } from '../../src/model.js';
import { consoleRouter, defaultConsoleDir, readSamples } from '../../src/http/console.js';
import { imageRouter } from '../../src/http/image.js';
import { HttpProblem, sendProblem } from '../../src/http/problems.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HC1 = readFileSync(join(ROOT, 'samples', 'vaccination-complete.txt'), 'utf8').trim();
// The page's browser modules are plain JS without declarations: import them by URL.
const CONSOLE_I18N: string = new URL('../../src/console/i18n.js', import.meta.url).href;
const CONSOLE_RENDER: string = new URL('../../src/console/render.js', import.meta.url).href;

function fakeReport(qr: string, lang: Lang): Report {
  return {
    outcome: 'INVALID',
    format: null,
    errors: [{ code: 'UNSUPPORTED_FORMAT', message: `${lang}:${qr.length}` }],
    warnings: [],
    checks: [],
    domestic: { status: 'INVALID', reasons: ['UNSUPPORTED_FORMAT'], validUntil: null, policy: 'TEST@1' },
  };
}

function appWith(router: express.Router): express.Express {
  const app = express();
  app.use(router);
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    void _next;
    sendProblem(res, err instanceof HttpProblem ? err : new HttpProblem('INTERNAL', 'internal error'));
  });
  return app;
}

function imageApp(opts: { ready?: boolean } = {}) {
  const calls: { qr: string; at: Date; lang: Lang }[] = [];
  const router = imageRouter(
    async (qr, at, lang) => {
      calls.push({ qr, at, lang });
      return fakeReport(qr, lang);
    },
    { ready: () => opts.ready ?? true, now: () => new Date('2026-01-02T03:04:05Z') },
  );
  return { app: appWith(router), calls };
}

const qrPng = () => QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });

function expectProblem(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(typeof body['type']).toBe('string');
  expect(typeof body['title']).toBe('string');
  expect(typeof body['detail']).toBe('string');
}

describe('POST /v1/verify/image', () => {
  it('decodes the QR code and hands its text, the language and the edge clock to verify', async () => {
    const { app, calls } = imageApp();
    const res = await request(app).post('/v1/verify/image').set('Content-Type', 'image/png').set('Accept-Language', 'id').send(await qrPng());
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.qr).toBe(HC1);
    expect(calls[0]?.lang).toBe('id');
    expect(calls[0]?.at.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(res.body.errors[0].message).toBe(`id:${HC1.length}`);
  });

  it('takes `at` from the query and English by default', async () => {
    const { app, calls } = imageApp();
    const res = await request(app).post('/v1/verify/image?at=2027-05-06T07:08:09%2B07:00').set('Content-Type', 'image/png').send(await qrPng());
    expect(res.status).toBe(200);
    expect(calls[0]?.at.toISOString()).toBe('2027-05-06T00:08:09.000Z');
    expect(calls[0]?.lang).toBe('en');
  });

  it('a bad or repeated `at` → 400', async () => {
    const { app, calls } = imageApp();
    const png = await qrPng();
    expectProblem(await request(app).post('/v1/verify/image?at=yesterday').set('Content-Type', 'image/png').send(png), 400, 'INVALID_REQUEST');
    expectProblem(
      await request(app).post('/v1/verify/image?at=2027-01-01T00:00:00Z&at=2028-01-01T00:00:00Z').set('Content-Type', 'image/png').send(png),
      400,
      'INVALID_REQUEST',
    );
    expect(calls).toHaveLength(0);
  });

  it('accepts a JPEG sent as image/jpeg, and decodes by the bytes when the type is the other image type', async () => {
    const { app, calls } = imageApp();
    const jpegjs = (await import('jpeg-js')).default;
    const pngjs = (await import('pngjs')).default;
    const rgba = pngjs.PNG.sync.read(await qrPng());
    const jpg = jpegjs.encode({ data: rgba.data, width: rgba.width, height: rgba.height }, 85).data;
    expect((await request(app).post('/v1/verify/image').set('Content-Type', 'image/jpeg').send(jpg)).status).toBe(200);
    expect((await request(app).post('/v1/verify/image').set('Content-Type', 'image/png').send(jpg)).status).toBe(200);
    expect(calls.map((c) => c.qr)).toEqual([HC1, HC1]);
  });

  it('other media types → 415; a missing body type → 415', async () => {
    const { app } = imageApp();
    expectProblem(await request(app).post('/v1/verify/image').set('Content-Type', 'image/gif').send(Buffer.from('GIF89a')), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await request(app).post('/v1/verify/image').set('Content-Type', 'application/json').send('{"qr":"HC1:"}'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await request(app).post('/v1/verify/image'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a body over 5 MB → 413 problem naming the image limit', async () => {
    const { app, calls } = imageApp();
    const big = Buffer.alloc(5 * 1024 * 1024 + 10, 0);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const res = await request(app).post('/v1/verify/image').set('Content-Type', 'image/png').send(big);
    expectProblem(res, 413, 'BODY_TOO_LARGE');
    expect(res.body.detail ?? JSON.parse(res.text).detail).toMatch(/5 MB/);
    expect(calls).toHaveLength(0);
  });

  it('no QR code → 422 NO_QR_FOUND', async () => {
    const { app, calls } = imageApp();
    const pngjs = (await import('pngjs')).default;
    const blank = new pngjs.PNG({ width: 200, height: 200 });
    blank.data.fill(255);
    expectProblem(await request(app).post('/v1/verify/image').set('Content-Type', 'image/png').send(pngjs.PNG.sync.write(blank)), 422, 'NO_QR_FOUND');
    expect(calls).toHaveLength(0);
  });

  it('garbage bytes → 400 IMAGE_INVALID, an empty body → 400, a huge header → 413 (never 500)', async () => {
    const { app } = imageApp();
    expectProblem(await request(app).post('/v1/verify/image').set('Content-Type', 'image/png').send(Buffer.from('definitely not a png')), 400, 'IMAGE_INVALID');
    expectProblem(await request(app).post('/v1/verify/image').set('Content-Type', 'image/jpeg').send(Buffer.from([0xff, 0xd8, 0xff, 0x00])), 400, 'IMAGE_INVALID');
    expectProblem(await request(app).post('/v1/verify/image').set('Content-Type', 'image/png').send(Buffer.alloc(0)), 400, 'IMAGE_INVALID');
    const huge = Buffer.from('89504e470d0a1a0a0000000d49484452000100000001000008060000005c72a866', 'hex'); // 65536 × 65536
    expectProblem(await request(app).post('/v1/verify/image').set('Content-Type', 'image/png').send(huge), 413, 'IMAGE_TOO_LARGE');
  });

  it('no trust source loaded → 503 before the body is decoded', async () => {
    const { app, calls } = imageApp({ ready: false });
    expectProblem(await request(app).post('/v1/verify/image').set('Content-Type', 'image/png').send(await qrPng()), 503, 'TRUST_NOT_READY');
    expect(calls).toHaveLength(0);
  });
});

describe('console router', () => {
  const samplesDir = join(ROOT, 'samples');
  const app = appWith(consoleRouter({ samplesDir }));

  it('GET / serves the page: HTML, revalidated, one external module script, no inline script or style', async () => {
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['etag']).toBeTruthy();
    const html = res.text;
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    // CSP is script-src 'self' and style-src 'self': anything inline would be blocked.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/https?:\/\//i); // no CDN, no external font
  });

  it('serves the static files with their types', async () => {
    for (const [path, type] of [
      ['/console/app.js', /^text\/javascript/],
      ['/console/render.js', /^text\/javascript/],
      ['/console/i18n.js', /^text\/javascript/],
      ['/console/styles.css', /^text\/css/],
    ] as const) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toMatch(type);
      expect(res.headers['cache-control'], path).toBe('no-cache');
    }
    expect((await request(app).get('/console/../compose.ts')).status).not.toBe(200);
    expect((await request(app).get('/console/nope.js')).status).toBe(404); // not ours: falls through
  });

  it('serves jsQR from node_modules for the camera fallback', async () => {
    const res = await request(app).get('/vendor/jsQR.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.text).toContain('root["jsQR"] = factory()');
  });

  it('GET /v1/samples lists the demo samples with their QR text', async () => {
    const res = await request(app).get('/v1/samples');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const index = JSON.parse(readFileSync(join(samplesDir, 'index.json'), 'utf8')) as { samples: { id: string; file: string }[] };
    expect(res.body.samples.map((s: { id: string }) => s.id)).toEqual(index.samples.map((s) => s.id));
    const first = res.body.samples[0];
    expect(first.qr).toBe(readFileSync(join(samplesDir, index.samples[0]!.file), 'utf8').trim());
    expect(first.title).toHaveProperty('en');
    expect(first.title).toHaveProperty('id');
  });

  it('a folder without the page files gives 404 problems for them while the samples still answer', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lintas-console-'));
    const missing = appWith(consoleRouter({ samplesDir, consoleDir: empty }));
    expect((await request(missing).get('/v1/samples')).status).toBe(200);
    const res = await request(missing).get('/console/app.js');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await request(missing).get('/')).status).toBe(404);
  });

  it('readSamples: a file outside the folder is never read; an absent folder is an empty list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lintas-samples-'));
    writeFileSync(join(dir, 'ok.txt'), 'HC1:OK\n');
    writeFileSync(
      join(dir, 'index.json'),
      JSON.stringify({
        samples: [
          { id: 'ok', title: { en: 'OK', id: 'OK' }, expect: 'GREEN', file: 'ok.txt' },
          { id: 'escape', title: { en: 'x', id: 'x' }, expect: 'x', file: '../../etc/passwd' },
          { id: 'missing', title: { en: 'x', id: 'x' }, expect: 'x', file: 'missing.txt' },
        ],
      }),
    );
    expect(readSamples(dir).map((s) => [s.id, s.qr])).toEqual([['ok', 'HC1:OK']]);
    expect(readSamples(join(dir, 'nope'))).toEqual([]);
  });
});

describe('console page source', () => {
  const dir = defaultConsoleDir()!;
  const scripts = readdirSync(dir).filter((f) => f.endsWith('.js'));

  it('never builds HTML from strings (names could carry markup) and never evaluates code', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const f of scripts) {
      const src = readFileSync(join(dir, f), 'utf8');
      expect(src, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
      expect(src, f).not.toMatch(/\.style\.|setAttribute\(\s*['"]style['"]/); // CSP style-src 'self' forbids inline styles
      expect(src, f).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    }
  });

  it('keeps nothing but the language in browser storage', () => {
    for (const f of scripts) {
      const src = readFileSync(join(dir, f), 'utf8');
      expect(src, f).not.toMatch(/sessionStorage|indexedDB|document\.cookie|caches\./);
      const writes = [...src.matchAll(/localStorage\.setItem\(([^,]+),/g)].map((m) => m[1]);
      expect(writes.every((w) => w === 'LANG_KEY'), f).toBe(true);
    }
  });

  it('has every text in both languages', async () => {
    const { TEXTS, REASON_FALLBACK } = (await import(/* page module, plain JS */ CONSOLE_I18N)) as unknown as {
      TEXTS: Record<string, Record<string, string>>;
      REASON_FALLBACK: Record<string, Record<string, string>>;
    };
    expect(Object.keys(TEXTS['id']!).sort()).toEqual(Object.keys(TEXTS['en']!).sort());
    expect(Object.keys(REASON_FALLBACK['id']!).sort()).toEqual(Object.keys(REASON_FALLBACK['en']!).sort());
    const differing = Object.keys(TEXTS['en']!).filter((k) => TEXTS['en']![k] !== TEXTS['id']![k]);
    expect(differing.length).toBeGreaterThan(Object.keys(TEXTS['en']!).length * 0.8);
    // Every data-i18n key in the page exists.
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const m of html.matchAll(/data-i18n(?:-aria-label)?="([^"]+)"/g)) expect(TEXTS['en'], m[1]).toHaveProperty([m[1]!]);
  });
});

describe('console name and date display', async () => {
  const { cleanName, formatDate, formatInstant } = (await import(/* page module, plain JS */ CONSOLE_RENDER)) as unknown as {
    cleanName: (s: string) => { text: string; flags: string[] };
    formatDate: (s: string, lang: string) => string;
    formatInstant: (s: string, lang: string) => string;
  };

  it('flags names that mix Latin with Cyrillic or Greek look-alikes (security §2.7 U-1)', () => {
    expect(cleanName('\u0410DOLF').flags).toContain('nameWarnMixed'); // Cyrillic А + Latin DOLF
    expect(cleanName('ΑΝΝΑ').flags).toEqual([]); // all Greek
    expect(cleanName('Pratama-Müller').flags).toEqual([]);
  });

  it('strips and flags bidi overrides, zero-width and control characters (U-2)', () => {
    const r = cleanName('Ayu\u202Egnal\u200B\u0007');
    expect(r.text).toBe('Ayugnal');
    expect(r.flags).toContain('nameWarnHidden');
  });

  it('normalises to NFC (U-3) and caps stacked marks and length (U-5)', () => {
    expect(cleanName('Go\u0308ßinger').text).toBe('Gößinger');
    const zalgo = cleanName(`Z${'\u0301'.repeat(80)}A`);
    expect([...zalgo.text]).toHaveLength(4);
    expect(zalgo.flags).toContain('nameWarnMarks');
    const long = cleanName('A'.repeat(500));
    expect(long.flags).toContain('nameWarnLong');
    expect([...long.text].length).toBeLessThanOrEqual(81);
  });

  it('formats certificate dates without a time-zone shift, in the chosen language', () => {
    expect(formatDate('1990-04-12', 'en')).toBe('12 April 1990');
    expect(formatDate('1990-04-12', 'id')).toBe('12 April 1990');
    expect(formatDate('2021-08-02', 'id')).toBe('2 Agustus 2021');
    expect(formatDate('2021-08-02', 'en')).toBe('2 August 2021');
    expect(formatDate('1990-05', 'id')).toBe('Mei 1990');
    expect(formatDate('1990', 'en')).toBe('1990');
    expect(formatDate('', 'en')).toBe('—');
  });

  it('formats instants with the zone named', () => {
    const s = formatInstant('2026-11-28T18:59:28Z', 'id');
    expect(s).toMatch(/2026/);
    expect(s).toMatch(/November/);
  });
});
