// zlib layer (hcert spec §4.2.1: SHALL be compressed). Inflation is capped so a 1 KB input
// cannot expand into megabytes, and bytes after the end of the stream are refused (Node
// ignores them silently, which would let data ride along unsigned and unseen).
import { inflateSync } from 'node:zlib';
import { VerificationError } from '../../errors.js';

export const MAX_INFLATED_BYTES = 64 * 1024;

export function inflateZlib(data: Uint8Array, maxOutput = MAX_INFLATED_BYTES): Uint8Array {
  // zlib header: CMF 0x78 (deflate, 32K window) and a check value making CMF·FLG divisible by 31.
  if (data.length < 2 || data[0] !== 0x78 || (data[0] * 256 + data[1]!) % 31 !== 0) {
    throw new VerificationError('DECOMPRESSION_FAILED', 'not zlib data');
  }
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = inflateSync(data, { maxOutputLength: maxOutput, info: true }) as unknown as typeof result;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new VerificationError('PAYLOAD_TOO_LARGE', `inflated size exceeds ${maxOutput} bytes`);
    }
    throw new VerificationError('DECOMPRESSION_FAILED', 'zlib data broken or truncated');
  }
  if (result.engine.bytesWritten !== data.length) {
    throw new VerificationError('DECOMPRESSION_FAILED', 'trailing bytes after the zlib stream');
  }
  return new Uint8Array(result.buffer.buffer, result.buffer.byteOffset, result.buffer.byteLength);
}
