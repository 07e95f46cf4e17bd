// The image pool (src/qr/pool.ts) on its own: real threads, loaded from the TypeScript sources
// the way vitest runs them. A stand-in decoder (image-test-decoder.ts) hangs, crashes or throws
// on command, so the budget, the queue bound and crash isolation are tested without depending
// on how long jsQR takes on this machine. QR images are rendered by the `qrcode` package.
import { afterEach, describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import { ImagePool, PoolOverloaded, type ImagePoolOptions } from '../../src/qr/pool.js';
import { BUG, CRASH, HANG, HC1, TEST_DECODER, outcome, pngOfWidth } from './image-test-helpers.js';

// Tests that do not measure the budget give real decodes a long one: the threads run at the
// lowest priority, and this machine may be busy with other work.
const PATIENT = 15_000;

const pools: ImagePool[] = [];
const pool = (opts: ImagePoolOptions) => {
  const p = new ImagePool({ decoderModule: TEST_DECODER, ...opts });
  pools.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('ImagePool', () => {
  it('decodes a QR PNG in a worker thread → the HC1 text', async () => {
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });
    expect(await pool({ size: 1, budgetMs: PATIENT }).decode(png)).toBe(HC1);
  });

  it('transfer: bytes that are a whole buffer move to the thread uncopied (the caller\'s view empties); a slice of a shared buffer, or bytes not given up, are copied', async () => {
    const p = pool({ size: 1, budgetMs: PATIENT });
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });
    const whole = new Uint8Array(png.length);
    whole.set(png);
    expect(await p.decode(whole, { transfer: true })).toBe(HC1);
    expect(whole.byteLength).toBe(0);
    const shared = new Uint8Array(png.length + 16);
    shared.set(png, 8);
    const slice = shared.subarray(8, 8 + png.length);
    expect(await p.decode(slice, { transfer: true })).toBe(HC1);
    expect(slice.byteLength).toBe(png.length);
    const kept = new Uint8Array(png);
    expect(await p.decode(kept)).toBe(HC1);
    expect(kept.byteLength).toBe(png.length);
  });

  it('budget: a decoder that never returns is stopped after the budget → IMAGE_UNREADABLE, and the thread is replaced', async () => {
    const p = pool({ size: 1, budgetMs: 400 });
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });
    await p.decode(png); // the thread is up: what follows measures the budget alone
    const t = performance.now();
    expect(await outcome(p.decode(HANG))).toBe('IMAGE_UNREADABLE');
    const took = performance.now() - t;
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(1_500);
    // The replacement thread serves the next image.
    expect(await p.decode(png)).toBe(HC1);
  });

  it('budget counts from the start of a job, not from when it was queued: a job that waited longer than the budget still runs', async () => {
    const p = pool({ size: 1, maxQueue: 2, budgetMs: 400, maxWaitMs: PATIENT });
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });
    const hung = outcome(p.decode(HANG));
    const t = performance.now();
    const queued = outcome(p.decode(png));
    expect(await hung).toBe('IMAGE_UNREADABLE');
    expect(await queued).toBe(`text:${HC1.slice(0, 4)}`);
    expect(performance.now() - t).toBeGreaterThan(400);
  });

  it('queue bound: with every thread busy and the queue full, the next image → OVERLOADED at once, with a retry time', async () => {
    const p = pool({ size: 1, maxQueue: 1, budgetMs: 600, maxWaitMs: PATIENT });
    const running = outcome(p.decode(HANG));
    const waiting = outcome(p.decode(HANG));
    const t = performance.now();
    let refused: unknown;
    await p.decode(HANG).catch((err: unknown) => (refused = err));
    expect(performance.now() - t).toBeLessThan(100);
    expect(refused).toBeInstanceOf(PoolOverloaded);
    expect((refused as PoolOverloaded).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await running).toBe('IMAGE_UNREADABLE');
    expect(await waiting).toBe('IMAGE_UNREADABLE');
  });

  it('queue wait: a job still waiting for a thread after maxWaitMs → OVERLOADED with a retry time, not an answer a minute later', async () => {
    const p = pool({ size: 1, maxQueue: 2, budgetMs: 3_000, maxWaitMs: 300 });
    // The thread is up first: on a loaded machine (the whole suite in parallel) starting it can
    // take longer than maxWaitMs or even the budget, and then the jobs below would race it. Until
    // it is, a warm-up image is itself refused after maxWaitMs, so it is sent until one is read.
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });
    let warm = '';
    for (let i = 0; i < 50 && !warm.startsWith('text:'); i++) warm = await outcome(p.decode(png));
    expect(warm).toBe(`text:${HC1.slice(0, 4)}`);
    const running = outcome(p.decode(HANG));
    const t = performance.now();
    let refused: unknown;
    await p.decode(HANG).catch((err: unknown) => (refused = err));
    const waited = performance.now() - t;
    expect(refused).toBeInstanceOf(PoolOverloaded);
    expect((refused as PoolOverloaded).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2_500); // long before the running job's 3 s budget ends
    expect(p.load.queued).toBe(0);
    expect(await running).toBe('IMAGE_UNREADABLE');
  });

  it('a thread that dies fails only its own job (a fault, 503 at the edge); the queued jobs are decoded by its replacement', async () => {
    const p = pool({ size: 1, maxQueue: 3, budgetMs: PATIENT });
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });
    const results = await Promise.all([outcome(p.decode(CRASH)), outcome(p.decode(png)), outcome(p.decode(png))]);
    expect(results).toEqual(['FAULT:WORKER_EXITED', `text:${HC1.slice(0, 4)}`, `text:${HC1.slice(0, 4)}`]);
  });

  it('a decoder exception that is not an image code → IMAGE_UNREADABLE (the same bytes fail the same way: not a fault)', async () => {
    expect(await outcome(pool({ size: 1, budgetMs: PATIENT }).decode(BUG))).toBe('IMAGE_UNREADABLE');
  });

  it('header checks run before a job is queued: a declared 50 000 px side → IMAGE_TOO_LARGE even when the queue is full', async () => {
    const p = pool({ size: 1, maxQueue: 0, budgetMs: 600 });
    const running = outcome(p.decode(HANG));
    const huge = pngOfWidth(4);
    huge.writeUInt32BE(50_000, 16); // IHDR width (the CRC no longer matches: nothing decodes it)
    expect(await outcome(p.decode(huge))).toBe('IMAGE_TOO_LARGE');
    expect(await outcome(p.decode(Buffer.from('not an image')))).toBe('IMAGE_INVALID');
    expect(await running).toBe('IMAGE_UNREADABLE');
  });

  it('a closed pool refuses with a fault and ends the jobs in progress', async () => {
    const p = new ImagePool({ decoderModule: TEST_DECODER, size: 1 });
    const running = outcome(p.decode(HANG));
    await p.close();
    expect(await running).toBe('FAULT:WORKER_UNAVAILABLE');
    expect(await outcome(p.decode(HANG))).toBe('FAULT:WORKER_UNAVAILABLE');
  });
});
