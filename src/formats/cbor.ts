// Bounded CBOR decoding shared by the COSE-based formats. cbor-x has no depth limit and keeps
// the last of duplicate map keys, so every input is first walked iteratively (no recursion)
// to check well-formedness (RFC 8949 §5.3.1), nesting depth, item count and duplicate keys;
// only then is it handed to cbor-x, with maps kept as Map so integer labels stay integers.
import { isUtf8 } from 'node:buffer';
import { Decoder, Tag } from 'cbor-x';
import { VerificationError } from '../errors.js';

export interface CborLimits {
  maxDepth: number;
  maxItems: number;
}

export const DEFAULT_CBOR_LIMITS: CborLimits = { maxDepth: 16, maxItems: 10_000 };

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false, bundleStrings: false } as never);

interface Frame {
  /** items still expected; -1 = indefinite (ends with 0xff). */
  remaining: number;
  isMap: boolean;
  /** map only: count of items read so far (even = next is a key). */
  read: number;
  keys?: Set<string>;
  keyStart: number;
  /** tags wrap exactly one item and do not count as nesting of their own for limits. */
  isTag: boolean;
  /** indefinite-length string chunks: only definite strings of this major type allowed. */
  chunkMajor?: number;
}

function frame(remaining: number, isMap: boolean, keyStart: number): Frame {
  return { remaining, isMap, read: 0, keyStart, isTag: false };
}

function fail(detail: string): never {
  throw new VerificationError('CBOR_INVALID', detail);
}

/**
 * One walk over one buffer. A class rather than closures so the hot loop allocates nothing per
 * call beyond its frames.
 */
class CborScanner {
  readonly stack: Frame[] = [];
  readonly buf: Buffer;
  pos = 0;
  items = 0;
  /** containers open (tags excluded), for the depth limit */
  depth = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly limits: CborLimits,
  ) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  readArg(info: number): number {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) fail(`reserved additional info ${info}`);
    if (this.pos + size > this.bytes.length) fail('truncated argument');
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + this.bytes[this.pos + i]!;
    this.pos += size;
    return n; // > 2^53 loses precision but any such length fails the bounds check below
  }

  /** Called when a complete item ended at `pos`; climbs the frames that are now complete. */
  itemDone(itemStart: number): void {
    let begin = itemStart;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return;
      if (top.isMap) {
        if (top.read % 2 === 0) {
          const key = this.buf.toString('latin1', begin, this.pos);
          top.keys ??= new Set<string>();
          if (top.keys.has(key)) throw new VerificationError('CBOR_INVALID', 'duplicate map key');
          top.keys.add(key);
        }
        top.read++;
      }
      if (top.remaining > 0) top.remaining--;
      if (top.remaining === 0) {
        this.stack.pop();
        if (!top.isTag) this.depth--;
        begin = top.keyStart;
        continue;
      }
      if (top.isMap && top.read % 2 === 0) top.keyStart = this.pos;
      return;
    }
  }

  scan(): number {
    do {
      if (this.pos >= this.bytes.length) fail('truncated data');
      if (++this.items > this.limits.maxItems) throw new VerificationError('PAYLOAD_TOO_LARGE', 'too many CBOR this.items');
      const start = this.pos;
      const top = this.stack[this.stack.length - 1];
      if (top?.isMap && top.read % 2 === 0) top.keyStart = start;
      const ib = this.bytes[this.pos++]!;
      const major = ib >> 5;
      const info = ib & 0x1f;

      if (ib === 0xff) {
        if (!top || top.remaining !== -1) fail('unexpected break');
        if (top.isMap && top.read % 2 === 1) fail('map ends after a key');
        this.stack.pop();
        this.depth--;
        this.itemDone(top.keyStart);
        continue;
      }
      if (top?.chunkMajor !== undefined && (major !== top.chunkMajor || info === 31)) {
        fail('bad chunk in indefinite-length string');
      }
      switch (major) {
        case 0:
        case 1:
          this.readArg(info);
          this.itemDone(start);
          break;
        case 2:
        case 3:
          if (info === 31) {
            if (this.depth + 1 > this.limits.maxDepth) throw new VerificationError('PAYLOAD_TOO_LARGE', 'CBOR nested too deep');
            this.stack.push({ remaining: -1, isMap: false, read: 0, keyStart: start, isTag: false, chunkMajor: major });
            this.depth++;
          } else {
            const len = this.readArg(info);
            if (len > this.bytes.length - this.pos) fail('string longer than the data');
            if (major === 3 && len > 0 && !isUtf8(this.bytes.subarray(this.pos, this.pos + len))) fail('text string is not UTF-8');
            this.pos += len;
            this.itemDone(start);
          }
          break;
        case 4:
        case 5: {
          if (this.depth + 1 > this.limits.maxDepth) throw new VerificationError('PAYLOAD_TOO_LARGE', 'CBOR nested too deep');
          const isMap = major === 5;
          if (info === 31) {
            this.stack.push(frame(-1, isMap, start));
            this.depth++;
          } else {
            const len = this.readArg(info);
            if (len > this.limits.maxItems) throw new VerificationError('PAYLOAD_TOO_LARGE', 'CBOR container too large');
            const count = isMap ? len * 2 : len;
            if (count === 0) this.itemDone(start);
            else {
              this.stack.push(frame(count, isMap, start));
              this.depth++;
            }
          }
          break;
        }
        case 6:
          this.readArg(info);
          if (this.stack.length + 1 > this.limits.maxDepth * 2) throw new VerificationError('PAYLOAD_TOO_LARGE', 'CBOR nested too deep');
          this.stack.push({ remaining: 1, isMap: false, read: 0, keyStart: start, isTag: true });
          break;
        default: // 7: simple values and floats
          if (info === 24) {
            if (this.pos >= this.bytes.length) fail('truncated simple value');
            if (this.bytes[this.pos]! < 32) fail('badly encoded simple value');
            this.pos++;
          } else if (info === 25 || info === 26 || info === 27) {
            this.readArg(info);
          } else if (info >= 28) {
            fail(`reserved additional info ${info}`);
          }
          this.itemDone(start);
      }
      if (this.pos > this.bytes.length) fail('truncated data');
    } while (this.stack.length > 0);
    return this.pos;
  }
}

/** Walks one complete data item starting at 0 and returns its length; throws on any defect. */
export function scanCbor(bytes: Uint8Array, limits: CborLimits = DEFAULT_CBOR_LIMITS): number {
  return new CborScanner(bytes, limits).scan();
}

/** Decodes exactly one well-formed, bounded CBOR item; trailing bytes are refused. */
export function decodeCbor(bytes: Uint8Array, limits: CborLimits = DEFAULT_CBOR_LIMITS): unknown {
  const length = scanCbor(bytes, limits);
  if (length !== bytes.length) fail('trailing bytes after the CBOR item');
  try {
    return decoder.decode(bytes);
  } catch (err) {
    fail(`cbor-x: ${(err as Error).message}`);
  }
}

export { Tag };

/**
 * Converts decoded CBOR (Maps, Tags, byte strings) into JSON-compatible values for schema
 * validation and business rules: string map keys, tag 0/1004 dates and tag 1 epoch values as
 * strings (anchors-mission §2.2 item 11), byte strings as base64. `__proto__` never becomes a
 * prototype. Depth is already bounded by scanCbor, so recursion here is bounded too.
 */
export function toJson(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) {
      const key = typeof k === 'string' ? k : String(k);
      // An own property named __proto__ must be defined, not assigned (assignment sets the prototype).
      if (key === '__proto__') Object.defineProperty(out, key, { value: toJson(v), enumerable: true, writable: true, configurable: true });
      else out[key] = toJson(v);
    }
    return out;
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Tag) {
    if (value.tag === 1004 || value.tag === 0) return typeof value.value === 'string' ? value.value : toJson(value.value);
    return toJson(value.value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'bigint') return Number(value);
  if (value === undefined) return null;
  return value;
}
