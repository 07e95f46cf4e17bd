// Worker-thread entry of the image pool (src/qr/pool.ts): decodes one image and searches it for
// a QR code, off the event loop that serves every other request (contract "Endpoints": the
// image route decodes away from the threads that serve requests). One job at a time; the pool
// terminates this thread when a job exceeds its budget, so nothing here needs a clock. The pool's
// bootstrap has already lowered this thread's priority (see spawn() in pool.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { decodeQrImage, ImageDecodeError, type DecodeOptions } from './decode-image.js';

/** What the pool passes at spawn (plain data: it crosses the thread boundary). */
export interface DecodeWorkerData {
  maxPixels?: number;
  /**
   * Test seam: a module URL whose `decode(bytes, opts)` replaces decodeQrImage (a decoder that
   * hangs or crashes, to test the budget and crash handling without a 2 s real image).
   */
  decoderModule?: string;
}

export type DecodeJob = { id: number; bytes: Uint8Array };
export type DecodeAnswer = { ready: true } | { id: number; text: string } | { id: number; code: string; detail: string };

type Decode = (bytes: Uint8Array, opts: DecodeOptions) => string;

const data = (workerData ?? {}) as DecodeWorkerData;
const decode: Decode = data.decoderModule ? ((await import(data.decoderModule)) as { decode: Decode }).decode : decodeQrImage;
const opts: DecodeOptions = data.maxPixels ? { maxPixels: data.maxPixels } : {};

const port = parentPort!;
port.on('message', ({ id, bytes }: DecodeJob) => {
  let answer: DecodeAnswer;
  try {
    answer = { id, text: decode(bytes, opts) };
  } catch (err) {
    // A decoder exception that is not one of ours is still this image's doing (the same bytes
    // fail the same way): unreadable, not a fault to retry.
    answer = err instanceof ImageDecodeError ? { id, code: err.code, detail: err.detail } : { id, code: 'IMAGE_UNREADABLE', detail: 'the image could not be read' };
  }
  port.postMessage(answer);
});
port.postMessage({ ready: true } satisfies DecodeAnswer);
