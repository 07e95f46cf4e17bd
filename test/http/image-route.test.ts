// POST /v1/verify/image through the whole service (createService): images are decoded in the
// worker-thread pool, so the budget (422 IMAGE_UNREADABLE), the queue bound (503 OVERLOADED with
// Retry-After) and a dying thread (503 VERIFICATION_UNAVAILABLE) reach the client as problems,
// and while four 5 MB noise PNGs are decoded, /v1/verify on the same server stays fast
// (contract "Verification": the image route decodes away from the threads that serve requests;
// issue 12 item 3). QR images are rendered by the `qrcode` package; noise by node:crypto.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import pngjs from 'pngjs';
import QRCode from 'qrcode';
import { createService, type Service } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import type { ImagePoolOptions } from '../../src/qr/pool.js';

const SAMPLE = readFileSync(join(process.cwd(), 'samples', 'vaccination-complete.txt'), 'utf8').trim();
const TEST_DECODER = new URL('./image-test-decoder.ts', import.meta.url);

function pngOfWidth(width: number): Buffer {
  const png = new pngjs.PNG({ width, height: 1 });
  png.data.fill(255);
  return pngjs.PNG.sync.write(png);
}

/** Random RGB pixels, as large as the 5 MB limit allows: jsQR's slowest kind of input. */
function noisePng(): Buffer {
  const side = 1_280;
  const png = new pngjs.PNG({ width: side, height: side, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = randomBytes(side * side * 3);
  const out = pngjs.PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: 1 });
  expect(out.length).toBeGreaterThan(4_500_000);
  expect(out.length).toBeLessThanOrEqual(5 * 1024 * 1024);
  return out;
}

async function serve(imagePool: ImagePoolOptions): Promise<{ service: Service; server: Server; base: string }> {
  const service = await createService({
    trustListsDir: join(process.cwd(), 'trust-lists'),
    dataDir: mkdtempSync(join(tmpdir(), 'lintas-image-')),
    logger: createLogger({ level: 'silent' }),
    trustRefresh: false,
    imagePool,
  });
  const server = createServer(service.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { service, server, base: `http://127.0.0.1:${port}` };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  ms: number;
}

function post(base: string, path: string, type: string, body: Buffer | string, agent: Agent | false = false): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', agent, headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const postImage = (base: string, png: Buffer) => post(base, '/v1/verify/image', 'image/png', png);

describe('POST /v1/verify/image: budget, queue and faults (stand-in decoder)', () => {
  let ctx: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    // The contract's 2 s budget: a real QR decode in a low-priority thread fits it even on a busy machine.
    ctx = await serve({ size: 1, maxQueue: 1, budgetMs: 2_000, decoderModule: TEST_DECODER });
  });
  afterAll(async () => {
    ctx.server.close();
    await ctx.service.close();
  });

  it('an image whose search outlasts the budget → 422 IMAGE_UNREADABLE, and the next image is served', async () => {
    const res = await postImage(ctx.base, pngOfWidth(1));
    expect(res.status).toBe(422);
    expect(res.body['code']).toBe('IMAGE_UNREADABLE');
    expect(res.ms).toBeGreaterThanOrEqual(2_000);
    expect(res.ms).toBeLessThan(4_000);
    const qr = await QRCode.toBuffer(SAMPLE, { type: 'png', margin: 4, scale: 4 });
    const ok = await postImage(ctx.base, qr);
    expect(ok.status).toBe(200);
    expect(ok.body['format']).toBe('EU_DCC');
  });

  it('thread busy and queue full → 503 OVERLOADED with Retry-After; the two admitted images still get their answers', { timeout: 20_000 }, async () => {
    const running = postImage(ctx.base, pngOfWidth(1));
    await new Promise((r) => setTimeout(r, 100));
    const queued = postImage(ctx.base, pngOfWidth(1));
    await new Promise((r) => setTimeout(r, 100));
    const refused = await postImage(ctx.base, pngOfWidth(1));
    expect(refused.status).toBe(503);
    expect(refused.body['code']).toBe('OVERLOADED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await running).body['code']).toBe('IMAGE_UNREADABLE');
    expect((await queued).body['code']).toBe('IMAGE_UNREADABLE');
  });

  it('a decoding thread that dies → 503 VERIFICATION_UNAVAILABLE with Retry-After (a fault, not a verdict)', async () => {
    const res = await postImage(ctx.base, pngOfWidth(2));
    expect(res.status).toBe(503);
    expect(res.body['code']).toBe('VERIFICATION_UNAVAILABLE');
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('POST /v1/verify/image: four 5 MB noise PNGs beside a /v1/verify stream (real decoder, 2 s budget)', () => {
  let ctx: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    // The pool a WORKERS=1 process gets on this box: one thread per core (main.ts).
    ctx = await serve({});
  });
  afterAll(async () => {
    ctx.server.close();
    await ctx.service.close();
  });

  it('every noise image → 422 within its budget (plus queueing), and /v1/verify keeps p99 ≤ 50 ms with no connection dropped', async () => {
    const noise = noisePng();
    const body = JSON.stringify({ qr: SAMPLE });
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    // Warm up: JIT, the first verification, the pool's threads.
    for (let i = 0; i < 20; i++) expect((await post(ctx.base, '/v1/verify', 'application/json', body, agent)).status).toBe(200);

    /** Sends 2 verifications every 40 ms (50/s) until `done()` and at least `minMs` passed. */
    const stream = async (done: () => boolean, minMs: number) => {
      const latencies: number[] = [];
      const failures: string[] = [];
      const started = performance.now();
      while (!done() || performance.now() - started < minMs) {
        const wave = [0, 1].map(() =>
          post(ctx.base, '/v1/verify', 'application/json', body, agent).then(
            (r) => (r.status === 200 ? latencies.push(r.ms) : failures.push(`status ${r.status}`)),
            (err: Error) => failures.push(err.message),
          ),
        );
        await Promise.all([...wave, new Promise((r) => setTimeout(r, 40))]);
        expect(performance.now() - started).toBeLessThan(30_000);
      }
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] ?? Infinity;
      return { latencies, failures, p99, p50: latencies[latencies.length >> 1] ?? Infinity, ms: performance.now() - started };
    };
    // The same stream alone first: what this machine gives without images (for the log).
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const alone = await stream(() => true, 3_000);
    const aloneLoopMax = loop.max / 1e6;
    loop.reset();
    const images = Promise.all([0, 1, 2, 3].map(() => postImage(ctx.base, noise)));
    let imagesDone = false;
    void images.finally(() => (imagesDone = true));
    const beside = await stream(() => imagesDone, 1_000);
    loop.disable();
    agent.destroy();
    const answers = await images;
    for (const a of answers) {
      expect(a.status).toBe(422);
      expect(['IMAGE_UNREADABLE', 'NO_QR_FOUND']).toContain(a.body['code']);
    }
    console.log(
      `image route (load average ${loadavg()[0]!.toFixed(1)}): alone p50 ${alone.p50.toFixed(1)} ms p99 ${alone.p99.toFixed(1)} ms; beside four noise PNGs ${beside.latencies.length} verifications in ${Math.round(beside.ms)} ms, p50 ${beside.p50.toFixed(1)} ms p99 ${beside.p99.toFixed(1)} ms; event-loop delay max alone ${aloneLoopMax.toFixed(0)} ms, beside ${(loop.max / 1e6).toFixed(0)} ms; images ${answers.map((a) => `${a.body['code']} ${Math.round(a.ms)} ms`).join(', ')}`,
    );
    expect(alone.failures).toEqual([]);
    expect(beside.failures).toEqual([]);
    expect(beside.latencies.length).toBeGreaterThan(50);
    // The issue's bound is p99 ≤ 50 ms on a quiet 2-core box. On a machine already busy with
    // other work (the same stream alone over 20 ms p99, or a load average above the cores) that
    // bound measures the neighbours, not this service: the loop-stall bound below still applies.
    const quiet = alone.p99 <= 20 && loadavg()[0]! <= availableParallelism();
    if (quiet) expect(beside.p99).toBeLessThanOrEqual(50);
    // Decoding on the event loop would stall it for whole seconds (6.8 s for one such image).
    expect(loop.max / 1e6).toBeLessThan(1_000);
  }, 60_000);
});
