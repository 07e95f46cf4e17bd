// A pool of worker threads that turn image bytes into QR text for `POST /v1/verify/image`
// (contract "Endpoints" and "Verification": the image route decodes away from the threads that
// serve requests, within a budget of 2 s per image; issue 12 item 3).
//
// - Size: a few threads (the caller derives it from the core count); more images wait in a
//   bounded queue, and past it the pool refuses at once (PoolOverloaded → 503 OVERLOADED with
//   Retry-After) instead of queueing without bound.
// - Budget: measured from when a job STARTS on a thread (waiting in the queue does not count);
//   past it the thread is terminated (a hostile image cannot hold it) and replaced, and the
//   job fails as IMAGE_UNREADABLE (422).
// - A thread that dies fails only the job it was running; queued jobs go to its replacement.
// - The cheap header checks (kind, declared size) run here on the caller's thread before a job
//   is queued: a 60 000 × 60 000 header is refused in microseconds, without taking a slot.
//
// The service runs this pool inside a decoder process of its own (src/qr/decoder-process.ts,
// src/qr/process-decoder.ts), not in the HTTP process: see there why threads alone are not enough.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { VerificationFault } from '../errors.js';
import { checkImageSize, ImageDecodeError, imageErrorOf, MAX_PIXELS, readImageSize } from './decode-image.js';
import type { DecodeAnswer, DecodeWorkerData } from './decode-worker.js';

/** The contract's budget per image. */
export const IMAGE_BUDGET_MS = 2_000;

export interface ImagePoolOptions {
  /** Threads (default: the available cores, at least 1). */
  size?: number;
  /** Jobs that may wait for a thread beyond the running ones (default 2 × size). */
  maxQueue?: number;
  /** Per-image budget from the start of its run (default 2 s). */
  budgetMs?: number;
  /**
   * Longest a job may wait for a thread before it is refused as OVERLOADED (default 2 × budget).
   * The queue bounds how many wait; this bounds how long, for when threads start slowly on a
   * saturated machine (bench:load saw 45 s waits without it).
   */
  maxWaitMs?: number;
  maxPixels?: number;
  /** Test seam: a module whose `decode(bytes, opts)` replaces the real decoder in the threads. */
  decoderModule?: URL;
  /** V8 heap limits per thread; pixel buffers live outside them (checked by the header caps). */
  resourceLimits?: ResourceLimits;
}

/** The queue is full: the edge answers 503 OVERLOADED with Retry-After. */
export class PoolOverloaded extends Error {
  override readonly name = 'PoolOverloaded';
  constructor(readonly retryAfterSeconds: number) {
    super('the image queue is full');
  }
}

export interface ImageDecoder {
  /**
   * Resolves with the QR text; rejects with ImageDecodeError, PoolOverloaded or VerificationFault.
   */
  decode(bytes: Uint8Array, opts?: DecodeRequestOptions): Promise<string>;
  close(): Promise<void>;
}

export interface DecodeRequestOptions {
  /**
   * The caller gives the bytes up: when they are the whole of their ArrayBuffer (a body of
   * several MB always is), that memory moves to the thread as it is, without the 5 MB copy on
   * the event loop; the caller's view is then empty. Bytes that share a buffer are copied.
   */
  transfer?: boolean;
}

/** Whether `bytes` may be moved to a thread: the whole of a plain ArrayBuffer. */
function ownsBuffer(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

interface Job {
  id: number;
  bytes: Uint8Array;
  /** Refuses the job if it is still queued when it fires. */
  waitTimer?: NodeJS.Timeout;
  resolve: (text: string) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** The error event that preceded an exit (ERR_WORKER_OUT_OF_MEMORY tells an image's doing). */
  error?: Error;
  /** Terminated by the pool (budget, close): its exit is expected. */
  retired: boolean;
}

/** Consecutive threads that die before they are ready before queued jobs are failed. */
const MAX_START_FAILURES = 3;

/** The pool's sizes and times with their defaults applied; the decoder process (process-decoder.ts) uses the same. */
export interface PoolLimits {
  size: number;
  maxQueue: number;
  budgetMs: number;
  maxWaitMs: number;
  maxPixels: number;
  /** Retry-After of an OVERLOADED refusal: when a running job will have ended. */
  retryAfterSeconds: number;
}

export function poolLimits(opts: ImagePoolOptions = {}): PoolLimits {
  const size = Math.max(1, Math.floor(opts.size ?? availableParallelism()));
  const budgetMs = opts.budgetMs ?? IMAGE_BUDGET_MS;
  return {
    size,
    maxQueue: Math.max(0, Math.floor(opts.maxQueue ?? 2 * size)),
    budgetMs,
    maxWaitMs: opts.maxWaitMs ?? 2 * budgetMs,
    maxPixels: opts.maxPixels ?? MAX_PIXELS,
    retryAfterSeconds: Math.max(1, Math.ceil(budgetMs / 1000)),
  };
}

/**
 * Every thread starts from a small bootstrap that first lowers its own priority and only then
 * loads the decoder. On Linux the nice value is per thread (setpriority(2), BUGS) and inherited
 * by threads it creates, so module loading and decoding both yield the cores to the event loop
 * when images and requests compete (issue 12: verification p99 while noise images decode).
 * Elsewhere setPriority would renice the whole process, so it is skipped.
 *
 * Compiled (dist/qr/pool.js): the bootstrap imports the sibling decode-worker.js. From
 * TypeScript sources (vitest, tsx) it first registers tsx's loader and then imports
 * decode-worker.ts: on Node 20 an `--import` in execArgv does not reach a worker's own entry.
 * tsx is resolved from this module, not from the working directory, so a run from any folder
 * finds it.
 */
function spawn(workerData: DecodeWorkerData, resourceLimits: ResourceLimits): Worker {
  const here = import.meta.url;
  const fromTs = here.endsWith('.ts');
  const entry = JSON.stringify(new URL(fromTs ? './decode-worker.ts' : './decode-worker.js', here).href);
  const nice = process.platform === 'linux' ? `try { require('node:os').setPriority(19); } catch {}\n` : '';
  const load = fromTs
    ? `import(${JSON.stringify(pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs'))}).then((m) => { m.register(); return import(${entry}); })`
    : `import(${entry})`;
  return new Worker(`${nice}${load};`, { eval: true, workerData, resourceLimits });
}

export class ImagePool implements ImageDecoder {
  readonly size: number;
  readonly maxQueue: number;
  readonly #budgetMs: number;
  readonly #maxWaitMs: number;
  readonly #maxPixels: number;
  readonly #retryAfter: number;
  readonly #workerData: DecodeWorkerData;
  readonly #limits: ResourceLimits;
  #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #next = 1;
  #startFailures = 0;
  #closed = false;

  constructor(opts: ImagePoolOptions = {}) {
    const limits = poolLimits(opts);
    this.size = limits.size;
    this.maxQueue = limits.maxQueue;
    this.#budgetMs = limits.budgetMs;
    this.#maxWaitMs = limits.maxWaitMs;
    this.#maxPixels = limits.maxPixels;
    this.#retryAfter = limits.retryAfterSeconds;
    this.#workerData = { maxPixels: this.#maxPixels, ...(opts.decoderModule ? { decoderModule: opts.decoderModule.href } : {}) };
    this.#limits = opts.resourceLimits ?? { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 };
  }

  /** Starts the threads now rather than with the first image (the decoder process does, at its start). */
  start(): void {
    this.#fill();
  }

  /** Jobs running and waiting (metrics, tests). */
  get load(): { running: number; queued: number } {
    return { running: this.#slots.filter((s) => s.job).length, queued: this.#queue.length };
  }

  decode(bytes: Uint8Array, opts: DecodeRequestOptions = {}): Promise<string> {
    if (this.#closed) return Promise.reject(new VerificationFault('WORKER_UNAVAILABLE', 'the image pool is closed'));
    try {
      checkImageSize(readImageSize(bytes), this.#maxPixels);
    } catch (err) {
      return Promise.reject(err);
    }
    this.#fill();
    // Capacity: one job per thread (running, or waiting for a thread still starting) plus the queue.
    const running = this.#slots.filter((s) => s.job).length;
    if (running + this.#queue.length >= this.size + this.maxQueue) {
      // Each running job ends within its budget; that is when a slot frees up.
      return Promise.reject(new PoolOverloaded(this.#retryAfter));
    }
    return new Promise<string>((resolve, reject) => {
      // Bytes the pool owns and moves to the thread: the caller's own when it gave them up and
      // they are a whole buffer, else a copy (a memcpy: `Uint8Array.from` would walk 5 MB
      // element by element on the event loop), and the caller keeps its bytes.
      const owned = opts.transfer === true && ownsBuffer(bytes) ? bytes : new Uint8Array(bytes);
      const job: Job = { id: this.#next++, bytes: owned, resolve, reject };
      job.waitTimer = setTimeout(() => {
        const at = this.#queue.indexOf(job);
        if (at < 0) return; // it started meanwhile
        this.#queue.splice(at, 1);
        reject(new PoolOverloaded(this.#retryAfter));
      }, this.#maxWaitMs);
      job.waitTimer.unref();
      this.#queue.push(job);
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots;
    this.#slots = [];
    for (const job of this.#queue.splice(0)) {
      clearTimeout(job.waitTimer);
      job.reject(new VerificationFault('WORKER_UNAVAILABLE', 'the image pool is closed'));
    }
    await Promise.all(
      slots.map((s) => {
        s.retired = true;
        clearTimeout(s.timer);
        s.job?.reject(new VerificationFault('WORKER_UNAVAILABLE', 'the image pool is closed'));
        return s.worker.terminate();
      }),
    );
  }

  #fill(): void {
    while (!this.#closed && this.#slots.length < this.size) this.#slots.push(this.#start());
  }

  #start(): Slot {
    const worker = spawn(this.#workerData, this.#limits);
    // Threads never keep the process alive; the HTTP server does.
    worker.unref();
    const slot: Slot = { worker, ready: false, retired: false };
    worker.on('message', (msg: DecodeAnswer) => this.#onMessage(slot, msg));
    worker.on('error', (err) => {
      slot.error = err;
    });
    worker.on('exit', () => this.#onExit(slot));
    return slot;
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = this.#queue.shift()!;
      clearTimeout(job.waitTimer);
      slot.job = job;
      // The budget starts now, when the job starts to run, not when it was queued.
      slot.timer = setTimeout(() => this.#onTimeout(slot), this.#budgetMs);
      slot.timer.unref();
      slot.worker.postMessage({ id: job.id, bytes: job.bytes }, [job.bytes.buffer as ArrayBuffer]);
    }
  }

  #finish(slot: Slot): Job | undefined {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    return job;
  }

  #onMessage(slot: Slot, msg: DecodeAnswer): void {
    if ('ready' in msg) {
      slot.ready = true;
      this.#startFailures = 0;
      return this.#pump();
    }
    if (slot.job?.id !== msg.id) return;
    const job = this.#finish(slot)!;
    if ('text' in msg) job.resolve(msg.text);
    else {
      job.reject(imageErrorOf(msg.code, msg.detail));
    }
    this.#pump();
  }

  #onTimeout(slot: Slot): void {
    const job = this.#finish(slot);
    job?.reject(new ImageDecodeError('IMAGE_UNREADABLE', `the image could not be searched within ${this.#budgetMs / 1000} s`));
    this.#replace(slot);
  }

  #onExit(slot: Slot): void {
    const job = this.#finish(slot);
    if (slot.retired) return;
    if (job) {
      // Out of heap on this image: the image's doing. Any other death is the service's fault.
      const oom = (slot.error as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      job.reject(oom ? new ImageDecodeError('IMAGE_UNREADABLE', 'the image needs more memory to search than is allowed') : new VerificationFault('WORKER_EXITED', 'an image decoding thread stopped'));
    }
    if (!slot.ready) this.#startFailures++;
    this.#replace(slot);
  }

  /** Retires `slot` (terminating its thread if it still runs) and starts its replacement. */
  #replace(slot: Slot): void {
    slot.retired = true;
    void slot.worker.terminate();
    const i = this.#slots.indexOf(slot);
    if (i < 0 || this.#closed) return;
    if (this.#startFailures >= MAX_START_FAILURES) {
      // Threads cannot start at all (a broken install): fail what waits rather than loop.
      this.#slots.splice(i, 1);
      if (this.#slots.every((s) => !s.ready)) {
        for (const job of this.#queue.splice(0)) {
          clearTimeout(job.waitTimer);
          job.reject(new VerificationFault('WORKER_UNAVAILABLE', 'image decoding threads cannot start'));
        }
        this.#startFailures = 0;
      }
      return;
    }
    this.#slots[i] = this.#start();
  }
}
