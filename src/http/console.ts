// The border-officer console (issue 5): `GET /` and its static files, jsQR for the camera
// fallback served from node_modules (never a CDN: the page must work offline and under the
// CSP `script-src 'self'`), and `GET /v1/samples`, the demo certificates the page can load.
import express from 'express';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { pageHeaders } from './headers.js';
import { HttpProblem } from './problems.js';

/**
 * Where the page's files are: `src/console` next to `src/http` when run from source (tsx,
 * vitest), or `dist/console` if a build step copied them; from `dist/http` the last candidate
 * reaches back into `src/console` (tsc copies no static files). Undefined when none exists
 * (e.g. an image that shipped only `dist/`): the API keeps working and `GET /` answers 503.
 */
export function defaultConsoleDir(): string | undefined {
  const candidates = [new URL('../console/', import.meta.url), new URL('../../src/console/', import.meta.url)];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

function jsQrPath(): string {
  return createRequire(import.meta.url).resolve('jsqr/dist/jsQR.js');
}

/** qrcode-generator's classic browser script (global `qrcode`): draws the receipt QR in the page. */
function qrGeneratorPath(): string {
  return createRequire(import.meta.url).resolve('qrcode-generator');
}

export interface ConsoleRouterOptions {
  /** Folder with `index.json` and the `<id>.txt` files `npm run demo:keys` writes. */
  samplesDir: string;
  /** The page's files; defaults to `defaultConsoleDir()`. */
  consoleDir?: string;
}

const SampleIndexSchema = z.object({
  samples: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9-]{1,64}$/),
        title: z.object({ en: z.string().max(200), id: z.string().max(200) }),
        expect: z.string().max(200),
        file: z.string().max(100),
      }),
    )
    .max(100),
});

export interface Sample {
  id: string;
  title: { en: string; id: string };
  expect: string;
  file: string;
  qr: string;
}

const MAX_SAMPLE_BYTES = 8 * 1024;

/** The demo samples with their QR text; an absent or unreadable folder gives an empty list. */
export function readSamples(samplesDir: string): Sample[] {
  const indexFile = join(samplesDir, 'index.json');
  if (!existsSync(indexFile)) return [];
  const parsed = SampleIndexSchema.safeParse(JSON.parse(readFileSync(indexFile, 'utf8')));
  if (!parsed.success) throw new Error(`samples/index.json is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
  const out: Sample[] = [];
  for (const s of parsed.data.samples) {
    // `file` must name a file inside the folder: no path separators, no `..`.
    if (basename(s.file) !== s.file || s.file.startsWith('.')) continue;
    const path = join(samplesDir, s.file);
    if (!existsSync(path) || statSync(path).size > MAX_SAMPLE_BYTES) continue;
    out.push({ ...s, qr: readFileSync(path, 'utf8').trim() });
  }
  return out;
}

const STATIC: Record<string, string> = {
  '/console/app.js': 'text/javascript; charset=utf-8',
  '/console/i18n.js': 'text/javascript; charset=utf-8',
  '/console/render.js': 'text/javascript; charset=utf-8',
  '/console/styles.css': 'text/css; charset=utf-8',
};

export function consoleRouter(opts: ConsoleRouterOptions): express.Router {
  const router = express.Router();
  const dir = opts.consoleDir ?? defaultConsoleDir();

  // `no-cache` = revalidate every time (ETag): file names carry no version, and an officer
  // must never run yesterday's script against today's API.
  const sendFile = (res: express.Response, next: express.NextFunction, path: string | undefined, type: string) => {
    if (path === undefined) throw new HttpProblem('CONSOLE_UNAVAILABLE', 'the console files are not installed (src/console)');
    res.setHeader('Cache-Control', 'no-cache');
    res.type(type);
    res.sendFile(path, { etag: true, lastModified: true, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(new HttpProblem('NOT_FOUND', 'no such resource'));
    });
  };

  router.get(['/', '/index.html'], pageHeaders, (_req, res, next) => {
    sendFile(res, next, dir && join(dir, 'index.html'), 'text/html; charset=utf-8');
  });
  for (const [route, type] of Object.entries(STATIC)) {
    const file = dir && join(dir, route.slice('/console/'.length));
    router.get(route, (_req, res, next) => sendFile(res, next, file, type));
  }
  router.get('/vendor/jsQR.js', (_req, res, next) => {
    sendFile(res, next, jsQrPath(), 'text/javascript; charset=utf-8');
  });
  router.get('/vendor/qrcode.js', (_req, res, next) => {
    sendFile(res, next, qrGeneratorPath(), 'text/javascript; charset=utf-8');
  });
  router.get('/favicon.ico', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.status(204).end();
  });

  router.get('/v1/samples', (_req, res) => {
    let samples: Sample[];
    try {
      samples = readSamples(opts.samplesDir);
    } catch {
      throw new HttpProblem('SAMPLES_UNREADABLE', 'the sample list could not be read');
    }
    // Demo data, but shaped like personal data: keep it out of shared caches all the same.
    res.setHeader('Cache-Control', 'no-store');
    res.json({ samples });
  });
  return router;
}
