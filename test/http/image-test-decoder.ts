// A stand-in decoder for the image pool's threads (ImagePoolOptions.decoderModule), chosen by
// the image's declared width so one pool can be driven through every path: width 1 never
// returns (the budget must end it), width 2 ends its thread (a crash), width 3 throws something
// that is not an ImageDecodeError; any other image goes to the real decoder.
import { decodeQrImage, readImageSize, type DecodeOptions } from '../../src/qr/decode-image.js';

export function decode(bytes: Uint8Array, opts: DecodeOptions): string {
  const { width } = readImageSize(bytes);
  if (width === 1) for (;;) Math.sqrt(Math.random()); // busy, like jsQR on noise: only terminate() stops it
  if (width === 2) process.exit(1); // in a worker thread this ends the thread only
  if (width === 3) throw new RangeError('decoder bug');
  return decodeQrImage(bytes, opts);
}
