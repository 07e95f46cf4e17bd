// What the image decoder tests share (image-pool.test.ts: the thread pool; image-process.test.ts:
// the decoder process around it): the stand-in decoder, the PNGs that command it, and the
// outcome of a decode as one string. The stand-in reads its command from the image's width
// (image-test-decoder.ts).
import { readFileSync } from 'node:fs';
import pngjs from 'pngjs';
import { VerificationFault } from '../../src/errors.js';
import { ImageDecodeError } from '../../src/qr/decode-image.js';
import { PoolOverloaded } from '../../src/qr/pool.js';

export const HC1 = readFileSync(new URL('../../samples/vaccination-complete.txt', import.meta.url), 'utf8').trim();
export const TEST_DECODER = new URL('./image-test-decoder.ts', import.meta.url);

/** A white PNG `width` px wide, one row high. */
export function pngOfWidth(width: number): Buffer {
  const png = new pngjs.PNG({ width, height: 1 });
  png.data.fill(255);
  return pngjs.PNG.sync.write(png);
}
/** Never returns (only terminating the thread ends it). */
export const HANG = pngOfWidth(1);
/** Ends its thread. */
export const CRASH = pngOfWidth(2);
/** Throws something that is not an ImageDecodeError. */
export const BUG = pngOfWidth(3);

/** The code a decode ends with: `text:` and the first 4 characters, an image code, OVERLOADED or FAULT:<reason>. */
export async function outcome(p: Promise<string>): Promise<string> {
  try {
    return `text:${(await p).slice(0, 4)}`;
  } catch (err) {
    if (err instanceof ImageDecodeError) return err.code;
    if (err instanceof PoolOverloaded) return 'OVERLOADED';
    if (err instanceof VerificationFault) return `FAULT:${err.reason}`;
    throw err;
  }
}
