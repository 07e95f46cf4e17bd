// Capped inflation, shared by the formats that compress their payload: HC1 (zlib, RFC 1950;
// hcert spec §4.2.1) and SMART Health Cards (raw DEFLATE, RFC 1951; SHC spec "Health Cards
// are small"). The cap makes a 1 KB input unable to expand into megabytes (security.md §2 size
// table). Node ignores bytes after the end of a stream silently, so they are counted here: by
// default any is refused; a caller may tolerate a short trailer (`allowTrailer`), which then
// has to be inside what the signature covers — that is the caller's reason for allowing it.
//
// zlib.crc32: Node ≥ 20.15 (package.json engines).
import { crc32, inflateRawSync, inflateSync } from 'node:zlib';
import { VerificationError } from '../errors.js';

export interface InflateOptions {
  /** true: raw DEFLATE (RFC 1951); false: zlib (RFC 1950), whose 2-byte header is checked first. */
  raw: boolean;
  /** Largest inflated size in bytes; more → PAYLOAD_TOO_LARGE. */
  max: number;
  /** Bytes after the end of the DEFLATE stream that are tolerated (default 0: none). */
  allowTrailer?: number;
}

export interface Inflated {
  bytes: Uint8Array;
  /** Bytes after the end of the stream that were tolerated (0 when there were none). */
  trailingBytes: number;
}

/** The gzip member trailer (RFC 1952 §2.3.1): CRC-32 then ISIZE, both little-endian. */
const GZIP_TRAILER_BYTES = 8;

/** Whether 8 trailing bytes are the gzip trailer of `inflated`: CRC-32 and length mod 2^32. */
function isGzipTrailer(trailer: Uint8Array, inflated: Uint8Array): boolean {
  const view = new DataView(trailer.buffer, trailer.byteOffset, trailer.byteLength);
  return view.getUint32(0, true) === crc32(inflated) && view.getUint32(4, true) === inflated.length % 2 ** 32;
}

/**
 * Inflate `data` with an output cap. Errors: not a stream, broken or truncated →
 * DECOMPRESSION_FAILED; over `max` → PAYLOAD_TOO_LARGE; more trailing bytes than `allowTrailer`
 * → DECOMPRESSION_FAILED. A trailer of exactly 8 bytes is read as the gzip trailer some
 * encoders append after raw DEFLATE and must then hold the right CRC-32 and length: 8 bytes
 * that contradict the data they follow are a broken encoding, not padding.
 */
export function inflateCapped(data: Uint8Array, options: InflateOptions): Inflated {
  const { raw, max } = options;
  const allowTrailer = options.allowTrailer ?? 0;
  // zlib header: CMF 0x78 (deflate, 32K window) and a check value making CMF·FLG divisible by 31.
  if (!raw && (data.length < 2 || data[0] !== 0x78 || (data[0] * 256 + data[1]!) % 31 !== 0)) {
    throw new VerificationError('DECOMPRESSION_FAILED', 'not zlib data');
  }
  const what = raw ? 'raw DEFLATE' : 'zlib';
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // Output chunk sized from the input: a health-certificate payload barely compresses, and
    // zlib's default 16 KB chunk was a fresh 16 KB allocation per verification (GC on the hot
    // path); larger inputs keep bigger chunks so they are not inflated in many small steps.
    const chunkSize = Math.min(16 * 1024, Math.max(1024, data.length * 4));
    const opts = { maxOutputLength: max, info: true, chunkSize } as const;
    result = (raw ? inflateRawSync(data, opts) : inflateSync(data, opts)) as unknown as typeof result;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new VerificationError('PAYLOAD_TOO_LARGE', `inflated payload exceeds ${max} bytes`);
    }
    throw new VerificationError('DECOMPRESSION_FAILED', `payload is not ${what} data or is truncated`);
  }
  const bytes = new Uint8Array(result.buffer.buffer, result.buffer.byteOffset, result.buffer.byteLength);
  const trailingBytes = data.length - result.engine.bytesWritten;
  if (trailingBytes > allowTrailer) {
    throw new VerificationError('DECOMPRESSION_FAILED', `${trailingBytes} trailing bytes after the ${what} stream`);
  }
  if (trailingBytes === GZIP_TRAILER_BYTES && !isGzipTrailer(data.subarray(result.engine.bytesWritten), bytes)) {
    throw new VerificationError('DECOMPRESSION_FAILED', 'the 8 bytes after the DEFLATE stream are not its gzip trailer (CRC-32, length)');
  }
  return { bytes, trailingBytes };
}
