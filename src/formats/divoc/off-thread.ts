// Runs createVerifyData in a worker thread: JSON-LD canonicalisation of a DIVOC credential takes
// milliseconds of CPU, and on the event loop every other request would queue behind it. One
// worker per process, started on first use, unref'd; a job that exceeds its deadline ends the
// worker (a hostile document cannot hold it) and fails as SIGNATURE_INVALID.
import { Worker } from 'node:worker_threads';
import { VerificationError, type ErrorCode } from '../../errors.js';

type VerifyData = (credential: Record<string, unknown>, proof: Record<string, unknown>) => Promise<Uint8Array>;

interface Pending {
  resolve: (data: Uint8Array) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Compiled (.js): the sibling .js file. From TypeScript sources (tsx, vitest) the worker first
 * registers tsx's loader, then imports the .ts entry (execArgv `--import` does not reach a
 * worker's own entry on Node 20).
 */
function spawnWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./verify-data-worker.js', import.meta.url));
  // An eval'd worker resolves bare specifiers from the working directory (the checkout).
  const entry = new URL('./verify-data-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true });
}

export class OffThreadVerifyData {
  #worker: Worker | undefined;
  #pending = new Map<number, Pending>();
  #next = 0;

  constructor(private readonly timeoutMs = 2_000) {}

  readonly run: VerifyData = (credential, proof) =>
    new Promise<Uint8Array>((resolve, reject) => {
      const worker = this.#start();
      const id = this.#next++;
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new VerificationError('SIGNATURE_INVALID', 'canonicalisation took too long'));
        this.#restart();
      }, this.timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, credential, proof });
    });

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll('worker closed');
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = spawnWorker();
    worker.unref();
    worker.on('message', (msg: { id: number; data?: Uint8Array; error?: { code: ErrorCode; detail?: string } }) => {
      const job = this.#pending.get(msg.id);
      if (!job) return;
      this.#pending.delete(msg.id);
      clearTimeout(job.timer);
      if (msg.error) job.reject(new VerificationError(msg.error.code, msg.error.detail));
      else job.resolve(new Uint8Array(msg.data!));
    });
    worker.on('error', () => this.#restart());
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll('worker exited');
    });
    this.#worker = worker;
    return worker;
  }

  #restart(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    void worker?.terminate();
  }

  #failAll(why: string): void {
    for (const [id, job] of this.#pending) {
      clearTimeout(job.timer);
      job.reject(new VerificationError('SIGNATURE_INVALID', why));
      this.#pending.delete(id);
    }
  }
}
