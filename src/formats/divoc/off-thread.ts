// Runs createVerifyData in a pool of worker threads: JSON-LD canonicalisation of a DIVOC credential
// takes milliseconds of CPU, and on the event loop every other request would queue behind it.
//
// Faults are honest (contract "Faults are not verdicts", issue #11 §3): a job that overruns its
// deadline, a worker that dies, a full queue or a closed pool reject with VerificationFault —
// never a report code; only what the credential did wrong (a verdict the worker computed) comes
// back as a VerificationError.
//
// Scheduling: each worker runs ONE job at a time; waiting jobs sit in one bounded queue of the
// pool, never on a worker. So
//   - a job's deadline starts when a worker starts it, not when it was queued;
//   - a worker ended for overrunning (or that crashed) takes down only the job it was running; the
//     queued jobs of other requests go to a fresh worker (started on demand);
//   - a full queue answers at once (VerificationFault OVERLOADED) instead of letting every waiting
//     job age past its deadline.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VerificationError, VerificationFault, type ErrorCode } from '../../errors.js';

type VerifyData = (credential: Record<string, unknown>, proof: Record<string, unknown>) => Promise<Uint8Array>;

/** What a worker answers (verify-data-worker.ts). */
export type WorkerReply =
  | { id: number; data: Uint8Array }
  | { id: number; verdict: { code: ErrorCode; detail?: string } }
  | { id: number; fault: { reason: string; detail?: string } };

/** The part of node:worker_threads' Worker the pool uses (tests inject stubs). */
export interface WorkerLike {
  postMessage(message: { id: number; credential: Record<string, unknown>; proof: Record<string, unknown> }): void;
  terminate(): unknown;
  unref?(): void;
  on(event: 'message', listener: (reply: WorkerReply) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

export interface OffThreadOptions {
  /**
   * Worker threads. Default: one fewer than the cores, at least 1, at most 2 — the process's own
   * event loop needs a core, and cluster.ts may run a process per core already.
   */
  workers?: number;
  /**
   * Jobs that may wait for a worker. Default 32 per worker: a bounded real credential costs a few
   * milliseconds, so a full queue drains in well under a second; more waiting means overload.
   */
  queueLimit?: number;
  /** Deadline of one job from the moment a worker starts it. Default 2 s (real ones take ms). */
  timeoutMs?: number;
  /** Starts a worker (default: verify-data-worker in a worker thread). */
  spawn?: () => WorkerLike;
}

/**
 * Compiled (.js): the sibling .js file. From TypeScript sources (tsx, vitest) the worker first
 * registers tsx's loader, then imports the .ts entry (execArgv `--import` does not reach a
 * worker's own entry on Node 20).
 */
function spawnWorker(): WorkerLike {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./verify-data-worker.js', import.meta.url));
  // An eval'd worker resolves bare specifiers from the working directory (the checkout).
  const entry = new URL('./verify-data-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true });
}

interface Job {
  id: number;
  credential: Record<string, unknown>;
  proof: Record<string, unknown>;
  resolve: (data: Uint8Array) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker?: WorkerLike;
  job?: Job;
  timer?: NodeJS.Timeout;
}

export class OffThreadVerifyData {
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  readonly #queueLimit: number;
  readonly #timeoutMs: number;
  readonly #spawn: () => WorkerLike;
  #next = 0;
  #closed = false;

  constructor(opts: OffThreadOptions = {}) {
    const workers = Math.max(1, Math.floor(opts.workers ?? Math.min(2, availableParallelism() - 1)));
    this.#slots = Array.from({ length: workers }, () => ({}));
    this.#queueLimit = Math.max(0, Math.floor(opts.queueLimit ?? 32 * workers));
    this.#timeoutMs = opts.timeoutMs ?? 2_000;
    this.#spawn = opts.spawn ?? spawnWorker;
  }

  readonly run: VerifyData = (credential, proof) =>
    new Promise<Uint8Array>((resolve, reject) => {
      if (this.#closed) return reject(new VerificationFault('WORKER_CLOSED', 'the JSON-LD worker pool is closed'));
      const idle = this.#slots.some((s) => !s.job);
      if (!idle && this.#queue.length >= this.#queueLimit) {
        return reject(new VerificationFault('OVERLOADED', `${this.#queue.length} JSON-LD jobs already waiting`));
      }
      this.#queue.push({ id: this.#next++, credential, proof, resolve, reject });
      this.#pump();
    });

  async close(): Promise<void> {
    this.#closed = true;
    const closed = () => new VerificationFault('WORKER_CLOSED', 'the JSON-LD worker pool was closed');
    for (const job of this.#queue.splice(0)) job.reject(closed());
    const ending: unknown[] = [];
    for (const slot of this.#slots) {
      this.#finish(slot)?.reject(closed());
      const worker = slot.worker;
      slot.worker = undefined;
      if (worker) ending.push(worker.terminate());
    }
    await Promise.allSettled(ending);
  }

  /** Starts queued jobs on idle workers (a fresh worker where the slot has none). */
  #pump(): void {
    for (const slot of this.#slots) {
      if (this.#closed || this.#queue.length === 0) return;
      if (slot.job) continue;
      let worker: WorkerLike;
      try {
        worker = slot.worker ?? this.#start(slot);
      } catch (err) {
        this.#queue.shift()!.reject(new VerificationFault('WORKER_START_FAILED', err instanceof Error ? err.message : String(err)));
        continue;
      }
      const job = this.#queue.shift()!;
      slot.job = job;
      // The deadline starts now, when the job runs.
      slot.timer = setTimeout(() => this.#overran(slot), this.#timeoutMs);
      worker.postMessage({ id: job.id, credential: job.credential, proof: job.proof });
    }
  }

  #start(slot: Slot): WorkerLike {
    const worker = this.#spawn();
    worker.unref?.();
    worker.on('message', (reply) => {
      const job = slot.worker === worker && slot.job?.id === reply.id ? this.#finish(slot) : undefined;
      if (!job) return;
      if ('data' in reply) job.resolve(new Uint8Array(reply.data));
      else if ('verdict' in reply) job.reject(new VerificationError(reply.verdict.code, reply.verdict.detail));
      else job.reject(new VerificationFault(reply.fault.reason, reply.fault.detail));
      this.#pump();
    });
    const gone = (why: string) => {
      if (slot.worker !== worker) return; // already retired (overran, closed)
      slot.worker = undefined;
      this.#finish(slot)?.reject(new VerificationFault('WORKER_EXITED', why));
      this.#pump();
    };
    worker.on('error', (err) => gone(`JSON-LD worker failed: ${err.message.slice(0, 120)}`));
    worker.on('exit', (code) => gone(`JSON-LD worker exited (${code})`));
    slot.worker = worker;
    return worker;
  }

  /** The running job overran its deadline: it fails, its worker is ended, the queue moves on. */
  #overran(slot: Slot): void {
    const job = this.#finish(slot);
    const worker = slot.worker;
    slot.worker = undefined;
    void worker?.terminate();
    job?.reject(new VerificationFault('WORKER_TIMEOUT', `JSON-LD canonicalisation ran over ${this.#timeoutMs} ms`));
    this.#pump();
  }

  /** Detaches the slot's running job (clearing its deadline) and returns it. */
  #finish(slot: Slot): Job | undefined {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    return job;
  }
}
