// Entry of the image decoder process (src/qr/process-decoder.ts): hosts the thread pool of
// src/qr/pool.ts in a process of its own, at the lowest priority, and answers the HTTP process
// over its IPC channel.
//
// Why a process and not only threads: threads share their process's allocator locks and address
// space lock. A decoding thread at nice 19 that holds one of them when it is preempted makes the
// HTTP thread that needs it wait until the scheduler next runs the thread at nice 19, under load
// up to ~200 ms (issue 12: the main thread blocked in futex and mmap calls while noise images
// decoded). A process shares none of them.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { VerificationFault } from '../errors.js';
import { ImageDecodeError } from './decode-image.js';
import { ImagePool, PoolOverloaded } from './pool.js';
import type { HostAnswer, HostJob, HostOptions } from './process-decoder.js';

/**
 * Lowers every thread this process already runs (V8's platform threads start before any user
 * code); threads started later inherit the nice value of the thread that starts them. On Linux
 * the nice value is per thread (setpriority(2), BUGS), so each is set by its id.
 */
function lowerPriority(): void {
  if (process.platform !== 'linux') {
    try {
      setPriority(19);
    } catch {
      // not permitted: decode at normal priority
    }
    return;
  }
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      setPriority(Number(tid), 19);
    } catch {
      // the thread ended meanwhile
    }
  }
}

lowerPriority();
// The limits arrive resolved by the parent (poolLimits in pool.ts), the same as its own.
const { decoderModule, ...limits } = JSON.parse(process.env['LINTAS_IMAGE_HOST'] ?? '{}') as HostOptions;
const pool = new ImagePool({ ...limits, ...(decoderModule ? { decoderModule: new URL(decoderModule) } : {}) });

function answerOf(id: number, err: unknown): HostAnswer {
  if (err instanceof ImageDecodeError) return { id, code: err.code, detail: err.detail };
  if (err instanceof PoolOverloaded) return { id, overloaded: err.retryAfterSeconds };
  if (err instanceof VerificationFault) return { id, fault: err.reason };
  return { id, fault: 'PROCESSOR_ERROR' };
}

// The threads load the decoder now, so the first image does not wait for them.
pool.start();

/** Answers the HTTP process, if it is still there (a closed channel is not an error here). */
function reply(answer: HostAnswer): void {
  if (process.connected) process.send?.(answer, undefined, undefined, () => undefined);
}

process.on('message', (job: HostJob) => {
  pool.decode(job.bytes, { transfer: true }).then(
    (text) => reply({ id: job.id, text }),
    (err: unknown) => reply(answerOf(job.id, err)),
  );
});
// The HTTP process went away (exit, crash, SIGKILL): nothing is left to answer, and the threads
// end with the process. A channel that closed while this module was still loading fired its
// 'disconnect' before anyone listened: `connected` says so.
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);
reply({ ready: true });
