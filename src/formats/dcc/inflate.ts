// zlib layer (hcert spec §4.2.1: SHALL be compressed). Inflation is capped so a 1 KB input
// cannot expand into megabytes, and bytes after the end of the stream are refused (Node
// ignores them silently, which would let data ride along unsigned and unseen: the HC1
// signature is inside the compressed COSE, so a trailer would not be covered by it).
import { inflateCapped } from '../inflate.js';

export const MAX_INFLATED_BYTES = 64 * 1024;

export function inflateZlib(data: Uint8Array, maxOutput = MAX_INFLATED_BYTES): Uint8Array {
  return inflateCapped(data, { raw: false, max: maxOutput }).bytes;
}
