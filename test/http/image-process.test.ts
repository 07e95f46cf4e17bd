// The image decoder the service runs (src/qr/process-decoder.ts): the thread pool of
// src/qr/pool.ts in a child process at the lowest priority. Real child processes, started from
// the TypeScript sources the way vitest runs them; the stand-in decoder (image-test-decoder.ts)
// hangs, crashes or throws on command. QR images are rendered by the `qrcode` package.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import QRCode from 'qrcode';
import { PoolOverloaded } from '../../src/qr/pool.js';
import { childEnv, ProcessImageDecoder } from '../../src/qr/process-decoder.js';
import { BUG, CRASH, HANG, HC1, TEST_DECODER, outcome, pngOfWidth } from './image-test-helpers.js';

const PATIENT = 15_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const by = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > by) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const decoders: ProcessImageDecoder[] = [];
const decoder = (opts: ConstructorParameters<typeof ProcessImageDecoder>[0]) => {
  const d = new ProcessImageDecoder({ decoderModule: TEST_DECODER, ...opts });
  decoders.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(decoders.splice(0).map((d) => d.close()));
});

describe('ProcessImageDecoder', () => {
  const qrPng = () => QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });

  it('decodes a QR PNG in a child process → the HC1 text; the caller keeps its bytes', async () => {
    const d = decoder({ size: 1, budgetMs: PATIENT });
    const png = await qrPng();
    expect(await d.decode(png, { transfer: true })).toBe(HC1);
    expect(png.byteLength).toBeGreaterThan(0);
    expect(d.pid).toBeGreaterThan(0);
    expect(d.pid).not.toBe(process.pid);
  });

  it.runIf(process.platform === 'linux')('every thread of the child runs at nice 19, its V8 threads included', async () => {
    const d = decoder({ size: 1, budgetMs: PATIENT });
    expect(await d.decode(await qrPng())).toBe(HC1);
    const tasks = readdirSync(`/proc/${d.pid}/task`);
    expect(tasks.length).toBeGreaterThan(3); // the main thread, V8's platform threads, a decoding thread
    for (const tid of tasks) {
      const stat = readFileSync(`/proc/${d.pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      expect(Number(fields[16]), `thread ${tid}`).toBe(19); // field 19 of stat(5): nice
    }
  });

  it('the child gets its options and what node and glibc read, none of the service\'s secrets', async () => {
    const env = { AUDIT_HMAC_KEY: 'k', REDIS_URL: 'redis://x', PUBLISH_KEY_FILE: '/k.pem', PATH: '/usr/bin', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' };
    expect(childEnv({ size: 1 }, env)).toEqual({ LINTAS_IMAGE_HOST: '{"size":1}', PATH: '/usr/bin', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' });
  });

  it.runIf(process.platform === 'linux')('a live child\'s environment holds no variable of the parent\'s own', async () => {
    process.env['LINTAS_TEST_SECRET'] = 'not for the decoder';
    try {
      const d = decoder({ size: 1, budgetMs: PATIENT });
      expect(await d.decode(await qrPng())).toBe(HC1);
      const environ = readFileSync(`/proc/${d.pid}/environ`, 'utf8').split('\0');
      expect(environ.some((v) => v.startsWith('LINTAS_TEST_SECRET='))).toBe(false);
      expect(environ.some((v) => v.startsWith('LINTAS_IMAGE_HOST='))).toBe(true);
    } finally {
      delete process.env['LINTAS_TEST_SECRET'];
    }
  });

  it('header checks are answered here, without starting a child: a declared 50 000 px side → IMAGE_TOO_LARGE, not an image → IMAGE_INVALID', async () => {
    const d = decoder({ size: 1 });
    const huge = pngOfWidth(4);
    huge.writeUInt32BE(50_000, 16);
    expect(await outcome(d.decode(huge))).toBe('IMAGE_TOO_LARGE');
    expect(await outcome(d.decode(Buffer.from('not an image')))).toBe('IMAGE_INVALID');
    expect(d.pid).toBeUndefined();
  });

  it('the budget is the child pool\'s: a decoder that never returns → IMAGE_UNREADABLE after it, and the next image is read', async () => {
    // A long queue wait: on a busy machine the child at nice 19 may start slowly.
    const d = decoder({ size: 1, budgetMs: 400, maxWaitMs: PATIENT });
    expect(await d.decode(await qrPng())).toBe(HC1); // the child and its thread are up
    const t = performance.now();
    expect(await outcome(d.decode(HANG))).toBe('IMAGE_UNREADABLE');
    const took = performance.now() - t;
    expect(took).toBeGreaterThanOrEqual(390);
    // Far below PATIENT: the budget ended it. The slack is for a child at nice 19 on a busy machine.
    expect(took).toBeLessThan(5_000);
    expect(await d.decode(await qrPng())).toBe(HC1);
  });

  it('with as many images in flight as the pool runs and queues, the next → OVERLOADED at once, without asking the child', async () => {
    const d = decoder({ size: 1, maxQueue: 1, budgetMs: 600, maxWaitMs: PATIENT });
    const running = outcome(d.decode(HANG));
    const waiting = outcome(d.decode(HANG));
    const t = performance.now();
    let refused: unknown;
    await d.decode(HANG).catch((err: unknown) => (refused = err));
    expect(performance.now() - t).toBeLessThan(100);
    expect(refused).toBeInstanceOf(PoolOverloaded);
    expect((refused as PoolOverloaded).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await running).toBe('IMAGE_UNREADABLE');
    expect(await waiting).toBe('IMAGE_UNREADABLE');
    expect(d.inFlight).toBe(0);
  });

  it('a decoding thread that dies is a fault (503 at the edge), relayed with its reason; a decoder bug is IMAGE_UNREADABLE', async () => {
    const d = decoder({ size: 1, budgetMs: PATIENT });
    expect(await outcome(d.decode(CRASH))).toBe('FAULT:WORKER_EXITED');
    expect(await outcome(d.decode(BUG))).toBe('IMAGE_UNREADABLE');
    expect(await d.decode(await qrPng())).toBe(HC1);
  });

  it('the child process killed mid-image: the images in flight fail as faults, the next image starts a new child', async () => {
    const d = decoder({ size: 1, maxQueue: 1, budgetMs: PATIENT, maxWaitMs: PATIENT });
    expect(await d.decode(await qrPng())).toBe(HC1);
    const first = d.pid!;
    const inFlight = [outcome(d.decode(HANG)), outcome(d.decode(HANG))];
    await new Promise((r) => setTimeout(r, 200));
    process.kill(first, 'SIGKILL');
    expect(await Promise.all(inFlight)).toEqual(['FAULT:WORKER_EXITED', 'FAULT:WORKER_EXITED']);
    expect(await d.decode(await qrPng())).toBe(HC1);
    expect(d.pid).not.toBe(first);
  });

  it.runIf(process.platform === 'linux')('a child that stops answering (SIGSTOP) → the image fails as a fault after the backstop (budget + queue wait + 5 s), and a new child reads the next', async () => {
    const d = decoder({ size: 1, budgetMs: 200, maxWaitMs: 200 });
    // Until the child's thread is up, an image waits longer than maxWaitMs and is refused as
    // OVERLOADED: send one until it is read.
    const png = await qrPng();
    let warm = '';
    for (let i = 0; i < 50 && !warm.startsWith('text:'); i++) warm = await outcome(d.decode(png));
    expect(warm).toBe(`text:${HC1.slice(0, 4)}`);
    const stopped = d.pid!;
    process.kill(stopped, 'SIGSTOP');
    try {
      const t = performance.now();
      expect(await outcome(d.decode(png))).toBe('FAULT:WORKER_TIMEOUT');
      const took = performance.now() - t;
      expect(took).toBeGreaterThanOrEqual(5_300);
      expect(took).toBeLessThan(9_000);
      warm = '';
      for (let i = 0; i < 50 && !warm.startsWith('text:'); i++) warm = await outcome(d.decode(png));
      expect(warm).toBe(`text:${HC1.slice(0, 4)}`);
      expect(d.pid).not.toBe(stopped);
      expect(await until(() => !alive(stopped), 5_000)).toBe(true);
    } finally {
      if (alive(stopped)) process.kill(stopped, 'SIGKILL');
    }
  }, 30_000);

  it('close ends the child and the images in flight; a closed decoder refuses with a fault', async () => {
    const d = decoder({ size: 1, budgetMs: PATIENT });
    const running = outcome(d.decode(HANG));
    await new Promise((r) => setTimeout(r, 200));
    const pid = d.pid!;
    await d.close();
    expect(await running).toBe('FAULT:WORKER_UNAVAILABLE');
    expect(alive(pid)).toBe(false);
    expect(await outcome(d.decode(await qrPng()))).toBe('FAULT:WORKER_UNAVAILABLE');
  });

  it('the child does not outlive its parent: a parent that exits without closing leaves no decoder behind', async () => {
    // A parent process of its own (tsx, as vitest runs the sources) that starts a child with a
    // hanging image, prints its pid and exits at once.
    const script = `
      import { ProcessImageDecoder } from ${JSON.stringify(new URL('../../src/qr/process-decoder.ts', import.meta.url).href)};
      import pngjs from 'pngjs';
      const png = new pngjs.PNG({ width: 1, height: 1 }); png.data.fill(255);
      const d = new ProcessImageDecoder({ size: 1, budgetMs: 60000, decoderModule: new URL(${JSON.stringify(TEST_DECODER.href)}) });
      void d.decode(pngjs.PNG.sync.write(png)).catch(() => {});
      setTimeout(() => { console.log(d.pid); process.exit(0); }, 1500);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await once(parent, 'exit');
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    expect(await until(() => !alive(pid), 10_000)).toBe(true);
  });
});
