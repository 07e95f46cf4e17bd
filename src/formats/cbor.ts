// Bounded CBOR decoding shared by the COSE-based formats, in one pass: each byte is read once,
// and every rule is checked while the value is built (RFC 8949 §5.3.1 well-formedness, nesting
// depth, item count, duplicate keys, UTF-8 text). The walk used to run first as a separate scan,
// then cbor-x decoded the same bytes again; this decoder replaces both (issue 12: a third of the
// non-signature cost of an HC1 was the two CBOR passes).
//
// What it returns: integers as numbers (bigint beyond 2^53, and for tags 2/3 bignums), floats as
// numbers, byte strings as Uint8Array views of the input, text as strings, arrays as arrays, maps
// as Map (integer labels stay integers), tag 1 over a number as a Date, tag 55799
// (self-described CBOR) unwrapped, every other tag as a cbor-x `Tag` (never interpreted: no
// Sets, no Error objects, no shared references). Refused (CBOR_INVALID): duplicate map keys, by
// value, so `1` and its non-canonical spelling `18 01` collide (cbor-x kept the last; RFC 8949
// §5.6 leaves duplicates invalid for us, RFC 9052 §3 forbids them in COSE headers); map keys
// that are not integers, floats, text, booleans or null (COSE and CWT labels are int / tstr,
// RFC 9052 §1.4, RFC 8392 §3); indefinite-length strings (cbor-x refused them too);
// unassigned simple values. Over the limits: PAYLOAD_TOO_LARGE.
//
// Recursion is bounded: a container is refused before descending past `maxDepth` and tags
// past twice that, and `maxDepth` itself is capped (MAX_DEPTH_CAP), so a hostile input cannot
// grow the stack.
import { isUtf8 } from 'node:buffer';
import { Tag } from 'cbor-x';
import { VerificationError } from '../errors.js';
import { isoInstant } from '../time.js';

export interface CborLimits {
  maxDepth: number;
  maxItems: number;
}

export const DEFAULT_CBOR_LIMITS: CborLimits = { maxDepth: 16, maxItems: 10_000 };
/** The deepest nesting a caller may allow: recursion stays far from the stack limit. */
const MAX_DEPTH_CAP = 256;

function fail(detail: string): never {
  throw new VerificationError('CBOR_INVALID', detail);
}

function tooLarge(detail: string): never {
  throw new VerificationError('PAYLOAD_TOO_LARGE', detail);
}

// The decoder's state for the one call in progress. Decoding is synchronous and never calls out
// to code that could decode again, so module-level state is safe and allocates nothing per call.
const EMPTY = new Uint8Array(0);
let src: Uint8Array = EMPTY;
/** A Buffer view of `src`, made when the first text string needs it. */
let buf: Buffer | undefined;
/**
 * All of `src` as one latin1 string, made when the first short ASCII text needs it: such a text
 * is then a `substring` of it, not a call into Buffer's C++ (one conversion of a 290-byte DCC
 * payload instead of a dozen calls; issue 12 item 1).
 */
let latin1: string | undefined;
/**
 * Texts from this length on are made by Buffer, not by `substring`: V8 makes a substring of 13
 * characters or more a view that keeps its parent alive, and a certificate's text may be kept
 * (a memo key, a log line), which must not pin up to 64 KB of input each.
 */
const SUBSTRING_MAX = 12;
let pos = 0;
let end = 0;
let items = 0;
let maxItems = 0;
let maxDepth = 0;
/** Containers this deep or deeper are built as JSON values (decodeCbor's `jsonDepth`). */
let jsonDepth = Infinity;

const f32 = new DataView(new ArrayBuffer(8));

/** The argument of a head whose additional info is `info` (RFC 8949 §3); -1 for 27 beyond 2^53. */
function argument(info: number): number {
  if (info < 24) return info;
  switch (info) {
    case 24:
      if (pos + 1 > end) fail('truncated argument');
      return src[pos++]!;
    case 25:
      if (pos + 2 > end) fail('truncated argument');
      pos += 2;
      return (src[pos - 2]! << 8) | src[pos - 1]!;
    case 26:
      if (pos + 4 > end) fail('truncated argument');
      pos += 4;
      return src[pos - 4]! * 0x1000000 + ((src[pos - 3]! << 16) | (src[pos - 2]! << 8) | src[pos - 1]!);
    case 27: {
      if (pos + 8 > end) fail('truncated argument');
      const hi = src[pos]! * 0x1000000 + ((src[pos + 1]! << 16) | (src[pos + 2]! << 8) | src[pos + 3]!);
      const lo = src[pos + 4]! * 0x1000000 + ((src[pos + 5]! << 16) | (src[pos + 6]! << 8) | src[pos + 7]!);
      pos += 8;
      return hi > 0x1fffff ? -1 : hi * 0x100000000 + lo;
    }
    default:
      return fail(`reserved additional info ${info}`);
  }
}

/** The 64-bit argument just read (the 8 bytes before `pos`), exactly. */
function bigArgument(): bigint {
  return (BigInt(src[pos - 8]! * 0x1000000 + ((src[pos - 7]! << 16) | (src[pos - 6]! << 8) | src[pos - 5]!)) << 32n) |
    BigInt(src[pos - 4]! * 0x1000000 + ((src[pos - 3]! << 16) | (src[pos - 2]! << 8) | src[pos - 1]!));
}

/** Length of a definite string or container; never more than the bytes left. */
function length(info: number): number {
  const n = argument(info);
  if (n < 0 || n > end - pos) fail('length longer than the data');
  return n;
}

/**
 * Two- and three-letter ASCII texts (the map keys of every health certificate: "tg", "fnt"),
 * made once and kept: V8 hashes a kept string once and uses it as a property name without
 * looking it up again, where a fresh one is hashed in Map.set and internalised in toJson on
 * every certificate. Bounded, since the texts come from the input.
 */
const shortTexts = new Map<number, string>();
const MAX_SHORT_TEXTS = 4_096;
function shortText(code: number, len: number): string {
  let t = shortTexts.get(code);
  if (t === undefined) {
    t = len === 2 ? String.fromCharCode(code >> 7, code & 0x7f) : String.fromCharCode(code >> 14, (code >> 7) & 0x7f, code & 0x7f);
    if (shortTexts.size < MAX_SHORT_TEXTS) shortTexts.set(code, t);
  }
  return t;
}

function text(len: number): string {
  const start = pos;
  // Map keys of health certificates are one to three ASCII letters ("v", "tg", "fnt"): made
  // directly, they skip the Buffer slice call (measured: a tenth of the payload decode).
  if (len <= 3) {
    const a = src[pos]!;
    const b = src[pos + 1]!;
    const c = src[pos + 2]!;
    if (len === 0) return '';
    if (len === 1 && a < 0x80) {
      pos += 1;
      return String.fromCharCode(a);
    }
    if (len === 2 && (a | b) < 0x80) {
      pos += 2;
      return shortText((a << 7) | b, len);
    }
    if (len === 3 && (a | b | c) < 0x80) {
      pos += 3;
      return shortText((a << 14) | (b << 7) | c, len);
    }
  }
  pos += len;
  let i = start;
  while (i < pos && src[i]! < 0x80) i++;
  buf ??= Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  if (i === pos) {
    // ASCII: no UTF-8 decoding needed, and latin1 reads ASCII bytes as the same characters.
    if (len > SUBSTRING_MAX) return buf.toString('latin1', start, pos);
    latin1 ??= buf.toString('latin1');
    return latin1.substring(start, pos);
  }
  if (!isUtf8(src.subarray(start, pos))) fail('text string is not UTF-8');
  return buf.toString('utf8', start, pos);
}

/** IEEE 754 half precision (RFC 8949 Appendix D). */
function half(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const val = exp === 0 ? mant * 2 ** -24 : exp !== 31 ? (mant + 1024) * 2 ** (exp - 25) : mant === 0 ? Infinity : NaN;
  return h & 0x8000 ? -val : val;
}

function simple(info: number): unknown {
  switch (info) {
    case 20:
      return false;
    case 21:
      return true;
    case 22:
      return null;
    case 23:
      return undefined;
    case 24:
      if (pos >= end) fail('truncated simple value');
      if (src[pos]! < 32) fail('badly encoded simple value');
      return fail('unassigned simple value');
    case 25: {
      if (pos + 2 > end) fail('truncated float');
      pos += 2;
      return half((src[pos - 2]! << 8) | src[pos - 1]!);
    }
    case 26:
    case 27: {
      const size = info === 26 ? 4 : 8;
      if (pos + size > end) fail('truncated float');
      for (let i = 0; i < size; i++) f32.setUint8(i, src[pos + i]!);
      pos += size;
      return size === 4 ? f32.getFloat32(0) : f32.getFloat64(0);
    }
    case 31:
      return fail('unexpected break');
    default:
      return info >= 28 ? fail(`reserved additional info ${info}`) : fail('unassigned simple value');
  }
}

const BREAK = 0xff;

/** True (and consumes it) when the next byte ends an indefinite-length container. */
function atBreak(): boolean {
  if (pos >= end) fail('truncated data');
  if (src[pos] !== BREAK) return false;
  if (++items > maxItems) tooLarge('too many CBOR items');
  pos++;
  return true;
}

/** Adds one entry; a key already present (by value) is a duplicate: the map did not grow. */
function put(map: Map<unknown, unknown>, key: unknown, value: unknown): void {
  if (typeof key === 'object' && key !== null) fail('map key is not an integer or text string');
  const size = map.size;
  map.set(key, value);
  if (map.size === size) fail('duplicate map key');
}

/** Base64 of a byte string, as toJson writes one. */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * One entry of a map built as a JSON object. The key is read as it is read for a Map (an
 * integer or text, never a container) and named as toJson names it; two keys that name the
 * same member are a duplicate, which for a Map they were only when equal (`1` and `"1"` were
 * two entries, and toJson then kept the last one silently: refused now, since which of the
 * two a reader would see is the reader's choice, not the signer's).
 */
function putJson(out: Record<string, unknown>, depth: number, nesting: number, indefinite: boolean): void {
  const key = item(depth, nesting, false);
  if (indefinite && pos < end && src[pos] === BREAK) fail('map ends after a key');
  // The value before the key's checks, in the order the Map path makes them (put's arguments).
  const value = item(depth, nesting, true);
  if (typeof key === 'object' && key !== null) fail('map key is not an integer or text string');
  const name = typeof key === 'string' ? key : String(key);
  if (Object.hasOwn(out, name)) fail('duplicate map key');
  // An own property named __proto__ must be defined, not assigned (assignment sets the prototype).
  if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  else out[name] = value;
}

/**
 * One data item. `depth` counts the containers around it, `nesting` containers and tags (the
 * bounds of the former scanner: containers ≤ maxDepth, containers and tags ≤ 2 × maxDepth).
 * `json`: the item is inside a container built as JSON, so it is made as toJson would make it.
 */
function item(depth: number, nesting: number, json: boolean): unknown {
  if (pos >= end) fail('truncated data');
  if (++items > maxItems) tooLarge('too many CBOR items');
  const ib = src[pos++]!;
  const major = ib >> 5;
  const info = ib & 0x1f;
  switch (major) {
    case 0: {
      const n = argument(info);
      return n >= 0 ? n : json ? Number(bigArgument()) : bigArgument();
    }
    case 1: {
      const n = argument(info);
      return n >= 0 ? -1 - n : json ? Number(-1n - bigArgument()) : -1n - bigArgument();
    }
    case 2: {
      if (info === 31) fail('indefinite-length byte string');
      const len = length(info);
      pos += len;
      const bytes = new Uint8Array(src.buffer, src.byteOffset + pos - len, len);
      return json ? base64(bytes) : bytes;
    }
    case 3:
      if (info === 31) fail('indefinite-length text string');
      return text(length(info));
    case 4: {
      if (depth + 1 > maxDepth || nesting + 1 > 2 * maxDepth) tooLarge('CBOR nested too deep');
      const inJson = json || depth >= jsonDepth;
      if (info === 31) {
        const out: unknown[] = [];
        while (!atBreak()) {
          out.push(item(depth + 1, nesting + 1, inJson));
          if (out.length > maxItems) tooLarge('CBOR container too large');
        }
        return out;
      }
      const n = argument(info);
      if (n < 0 || n > maxItems) tooLarge('CBOR container too large');
      if (n > end - pos) fail('array longer than the data');
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = item(depth + 1, nesting + 1, inJson);
      return out;
    }
    case 5: {
      if (depth + 1 > maxDepth || nesting + 1 > 2 * maxDepth) tooLarge('CBOR nested too deep');
      if (json || depth >= jsonDepth) {
        const out: Record<string, unknown> = {};
        if (info === 31) {
          while (!atBreak()) putJson(out, depth + 1, nesting + 1, true);
          return out;
        }
        const n = argument(info);
        if (n < 0 || n > maxItems) tooLarge('CBOR container too large');
        if (2 * n > end - pos) fail('map longer than the data');
        for (let i = 0; i < n; i++) putJson(out, depth + 1, nesting + 1, false);
        return out;
      }
      const map = new Map<unknown, unknown>();
      if (info === 31) {
        while (!atBreak()) {
          const key = item(depth + 1, nesting + 1, false);
          if (pos < end && src[pos] === BREAK) fail('map ends after a key');
          put(map, key, item(depth + 1, nesting + 1, false));
        }
        return map;
      }
      const n = argument(info);
      if (n < 0 || n > maxItems) tooLarge('CBOR container too large');
      if (2 * n > end - pos) fail('map longer than the data');
      for (let i = 0; i < n; i++) {
        const key = item(depth + 1, nesting + 1, false);
        put(map, key, item(depth + 1, nesting + 1, false));
      }
      return map;
    }
    case 6: {
      let tag = argument(info);
      if (tag < 0) tag = Number(bigArgument()); // beyond 2^53: no tag we read, kept approximately
      if (nesting + 1 > 2 * maxDepth) tooLarge('CBOR nested too deep');
      // A tag's content is read as it is outside JSON and then converted: tags are rare in
      // health documents, and toJson is the one definition of what each becomes.
      const value = item(depth, nesting + 1, false);
      let tagged: unknown;
      if (tag === 1 && typeof value === 'number') tagged = new Date(value * 1000);
      else if ((tag === 2 || tag === 3) && value instanceof Uint8Array) {
        let n = 0n;
        for (const b of value) n = (n << 8n) | BigInt(b);
        tagged = tag === 2 ? n : -1n - n;
      } else if (tag === 55799) tagged = value;
      else tagged = new Tag(value, tag);
      return json ? toJson(tagged) : tagged;
    }
    default: {
      const value = simple(info);
      return json && value === undefined ? null : value;
    }
  }
}

function decodeItem(bytes: Uint8Array, limits: CborLimits, jsonFrom = Infinity): unknown {
  if (limits.maxDepth > MAX_DEPTH_CAP) throw new RangeError(`CBOR maxDepth above ${MAX_DEPTH_CAP}`);
  src = bytes;
  buf = undefined;
  latin1 = undefined;
  pos = 0;
  end = bytes.length;
  items = 0;
  maxItems = limits.maxItems;
  maxDepth = limits.maxDepth;
  jsonDepth = jsonFrom;
  if (end === 0) fail('truncated data');
  try {
    return item(0, 0, false);
  } finally {
    // Let the input be collected; the next call sets everything again.
    src = EMPTY;
    buf = undefined;
    latin1 = undefined;
  }
}

/**
 * Walks one complete data item starting at 0 and returns its length (trailing bytes allowed
 * here); throws on any defect, as `decodeCbor` would.
 */
export function scanCbor(bytes: Uint8Array, limits: CborLimits = DEFAULT_CBOR_LIMITS): number {
  decodeItem(bytes, limits);
  return pos;
}

/**
 * Decodes exactly one well-formed, bounded CBOR item; trailing bytes are refused. Containers
 * `jsonDepth` or more containers deep (and everything in them) are built directly as the JSON
 * values toJson would make of them, in the same pass: a CWT's health document is JSON to every
 * reader, and a Map per container converted afterwards was the payload's third pass (issue 12
 * item 1). An item at that depth that is no container (a scalar, bytes, a tag) keeps its usual
 * form, though a container inside such a tag is JSON. The one difference from toJson is
 * putJson's: keys that name the same member are refused. Measured in one process against the
 * Map-then-toJson build, alternating: 1–2 % less CPU per full HC1 verification.
 */
export function decodeCbor(bytes: Uint8Array, limits: CborLimits = DEFAULT_CBOR_LIMITS, jsonDepth = Infinity): unknown {
  const value = decodeItem(bytes, limits, jsonDepth);
  if (pos !== bytes.length) fail('trailing bytes after the CBOR item');
  return value;
}

export { Tag };

/**
 * Converts decoded CBOR (Maps, Tags, byte strings) into JSON-compatible values for schema
 * validation and business rules: string map keys, tag 0/1004 dates and tag 1 epoch values as
 * strings (anchors-mission §2.2 item 11), byte strings as base64. `__proto__` never becomes a
 * prototype. Depth is already bounded by decodeCbor, so recursion here is bounded too.
 */
export function toJson(value: unknown): unknown {
  // Scalars first: they are most of a payload, and reach here without an instanceof chain.
  if (typeof value !== 'object' || value === null) {
    if (value === undefined) return null;
    return typeof value === 'bigint' ? Number(value) : value;
  }
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    // forEach, not for…of: no [key, value] array per entry.
    value.forEach((v: unknown, k: unknown) => {
      const key = typeof k === 'string' ? k : String(k);
      // An own property named __proto__ must be defined, not assigned (assignment sets the prototype).
      if (key === '__proto__') Object.defineProperty(out, key, { value: toJson(v), enumerable: true, writable: true, configurable: true });
      else out[key] = toJson(v);
    });
    return out;
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Tag) {
    if (value.tag === 1004 || value.tag === 0) return typeof value.value === 'string' ? value.value : toJson(value.value);
    // decodeCbor makes a Date of tag 1 over a number; over anything else it is no date (cbor-x gave an Invalid Date: null).
    if (value.tag === 1) return null;
    return toJson(value.value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : isoInstant(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}
