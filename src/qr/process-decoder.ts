// The image decoder the service uses: the thread pool of src/qr/pool.ts, run in a child process
// at the lowest priority (src/qr/decoder-process.ts says why a process), behind the same
// ImageDecoder interface.
//
// - This side answers at once what needs no decoding: the header checks (kind, declared size)
//   and OVERLOADED when as many images are in flight as the pool can run and queue. So refusals
//   stay fast even when the decoder process, at nice 19, is slow to be scheduled.
// - The child keeps the contract's budget (2 s from the start of each job) and the queue wait.
//   This side adds a backstop: a job the child has not answered long after both could end fails
//   as a fault (503), and the child is replaced.
// - The child starts with start() (main.ts calls it at start-up) or else with the first image;
//   if it dies, the jobs in flight fail as faults (503 VERIFICATION_UNAVAILABLE at the edge) and
//   the next image starts a new one. After MAX_START_FAILURES children in a row die before they
//   are ready, images fail at once for START_PAUSE_MS before the next try.
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VerificationFault } from '../errors.js';
import { checkImageSize, imageErrorOf, readImageSize } from './decode-image.js';
import { poolLimits, PoolOverloaded, type DecodeRequestOptions, type ImageDecoder, type ImagePoolOptions, type PoolLimits } from './pool.js';

/** What the child is started with (plain data, in its environment): the parent's resolved limits. */
export type HostOptions = Partial<Omit<PoolLimits, 'retryAfterSeconds'>> & { decoderModule?: string };
export type HostJob = { id: number; bytes: Uint8Array };
export type HostAnswer =
  | { ready: true }
  | { id: number; text: string }
  | { id: number; code: string; detail: string }
  | { id: number; overloaded: number }
  | { id: number; fault: string };

/** Children in a row that exit before they are ready, before images fail for a while without a new try. */
const MAX_START_FAILURES = 3;
/** How long images fail at once after MAX_START_FAILURES (a broken install must not fork in a loop). */
const START_PAUSE_MS = 10_000;
/** Slack of the backstop beyond the child's own budget and queue wait. */
const BACKSTOP_SLACK_MS = 5_000;

interface Pending {
  resolve: (text: string) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The child's whole environment: its options and what node and glibc read, and nothing of the
 * service's own (AUDIT_HMAC_KEY, REDIS_URL, key files): the process that parses hostile images
 * holds no secret. GLIBC_TUNABLES carries the cluster's malloc setting (src/cluster.ts).
 */
export function childEnv(options: HostOptions, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = { LINTAS_IMAGE_HOST: JSON.stringify(options) };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'GLIBC_TUNABLES', 'NODE_OPTIONS'] as const) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * From compiled code the child runs the sibling decoder-process.js; from TypeScript sources
 * (vitest, tsx) it runs decoder-process.ts with tsx's loader, resolved from this module.
 */
function startChild(options: HostOptions): ChildProcess {
  const here = import.meta.url;
  const fromTs = here.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromTs ? './decoder-process.ts' : './decoder-process.js', here));
  const execArgv = fromTs ? ['--import', pathToFileURL(createRequire(here).resolve('tsx/esm')).href] : [];
  return fork(entry, [], {
    execArgv,
    serialization: 'advanced',
    env: childEnv(options),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

export class ProcessImageDecoder implements ImageDecoder {
  readonly size: number;
  readonly maxQueue: number;
  readonly #options: HostOptions;
  readonly #maxPixels: number;
  readonly #backstopMs: number;
  readonly #retryAfter: number;
  #child?: ChildProcess;
  #ready = false;
  #startFailures = 0;
  #startPausedUntil = 0;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #closed = false;

  constructor(opts: Omit<ImagePoolOptions, 'resourceLimits'> = {}) {
    const { retryAfterSeconds, ...limits } = poolLimits(opts);
    this.size = limits.size;
    this.maxQueue = limits.maxQueue;
    this.#maxPixels = limits.maxPixels;
    this.#backstopMs = limits.budgetMs + limits.maxWaitMs + BACKSTOP_SLACK_MS;
    this.#retryAfter = retryAfterSeconds;
    // The child's pool gets the same limits, already resolved.
    this.#options = { ...limits, ...(opts.decoderModule ? { decoderModule: opts.decoderModule.href } : {}) };
  }

  /** Images in flight (sent to the child and not yet answered). */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** The child's process id, once started (tests, the bench). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Starts the child now rather than with the first image (main.ts, at start-up: the first
   * image after a deploy then does not wait for a process to start). Does nothing if it runs.
   */
  start(): void {
    if (!this.#closed && !this.#child && Date.now() >= this.#startPausedUntil) this.#start();
  }

  decode(bytes: Uint8Array, _opts: DecodeRequestOptions = {}): Promise<string> {
    if (this.#closed) return Promise.reject(new VerificationFault('WORKER_UNAVAILABLE', 'the image decoder is closed'));
    try {
      checkImageSize(readImageSize(bytes), this.#maxPixels);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.#child && Date.now() < this.#startPausedUntil) {
      return Promise.reject(new VerificationFault('WORKER_UNAVAILABLE', 'the image decoder cannot start'));
    }
    if (this.#pending.size >= this.size + this.maxQueue) return Promise.reject(new PoolOverloaded(this.#retryAfter));
    const child = this.#child ?? this.#start();
    const id = this.#next++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The child holds a job far past its budget: it is stuck; start afresh.
        this.#settle(id)?.reject(new VerificationFault('WORKER_TIMEOUT', 'the image decoder did not answer'));
        this.#stop();
      }, this.#backstopMs);
      timer.unref();
      this.#pending.set(id, { resolve, reject, timer });
      // Sent as a structured clone: the bytes are copied into the channel, the caller's stay. A
      // channel that closed under it (the child exiting) fails this job as the exit does.
      child.send({ id, bytes } satisfies HostJob, undefined, undefined, (err) => {
        if (err) this.#settle(id)?.reject(new VerificationFault('WORKER_EXITED', 'the image decoder process stopped'));
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll('WORKER_UNAVAILABLE', 'the image decoder is closed');
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  #start(): ChildProcess {
    const child = startChild(this.#options);
    this.#child = child;
    this.#ready = false;
    // Only the current child is heard: a replaced one's late 'ready' must not count for its successor.
    child.on('message', (msg: HostAnswer) => {
      if (this.#child === child) this.#onMessage(msg);
    });
    // A failed send (the channel closed under it) is followed by 'exit', which fails the jobs.
    child.on('error', () => undefined);
    child.on('exit', () => {
      if (this.#child !== child) return;
      this.#child = undefined;
      if (!this.#ready && ++this.#startFailures >= MAX_START_FAILURES) {
        this.#startFailures = 0;
        this.#startPausedUntil = Date.now() + START_PAUSE_MS;
      }
      this.#failAll('WORKER_EXITED', 'the image decoder process stopped');
    });
    return child;
  }

  /** Ends the current child (stuck or broken); the next image starts another. */
  #stop(): void {
    const child = this.#child;
    this.#child = undefined;
    this.#failAll('WORKER_EXITED', 'the image decoder process was restarted');
    child?.kill('SIGKILL');
  }

  #onMessage(msg: HostAnswer): void {
    if ('ready' in msg) {
      this.#ready = true;
      this.#startFailures = 0;
      return;
    }
    const job = this.#settle(msg.id);
    if (!job) return;
    if ('text' in msg) job.resolve(msg.text);
    else if ('overloaded' in msg) job.reject(new PoolOverloaded(msg.overloaded));
    else if ('fault' in msg) job.reject(new VerificationFault(msg.fault, 'the image could not be decoded'));
    else job.reject(imageErrorOf(msg.code, msg.detail));
  }

  #settle(id: number): Pending | undefined {
    const job = this.#pending.get(id);
    if (!job) return undefined;
    this.#pending.delete(id);
    clearTimeout(job.timer);
    return job;
  }

  #failAll(reason: string, detail: string): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new VerificationFault(reason, detail));
  }
}
