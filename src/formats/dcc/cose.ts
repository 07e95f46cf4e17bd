// COSE_Sign1 (RFC 9052 §4.2) as hcert uses it (hcert spec §3.3): untagged, tag 18, or tag 61
// (CWT) wrapping tag 18 (dgc-testdata CO28). Headers are read protected-first; the
// Sig_structure is built from the protected bytes exactly as received, never re-encoded.
import { VerificationError } from '../../errors.js';
import { decodeCbor, Tag } from '../cbor.js';
import type { Notice } from '../format.js';

export const COSE_ALG = { ES256: -7, PS256: -37 } as const;
export type CoseAlgName = keyof typeof COSE_ALG;
const ALG_NAMES = new Map<number, CoseAlgName>(Object.entries(COSE_ALG).map(([k, v]) => [v, k as CoseAlgName]));

const HEADER_ALG = 1;
const HEADER_KID = 4;

export interface CoseSign1 {
  protectedBytes: Uint8Array;
  alg: CoseAlgName;
  kid: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
  warnings: Notice[];
}

function asMap(value: unknown, what: string): Map<unknown, unknown> {
  if (!(value instanceof Map)) throw new VerificationError('CBOR_INVALID', `${what} is not a map`);
  return value;
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

export function parseCoseSign1(bytes: Uint8Array): CoseSign1 {
  let item = decodeCbor(bytes);
  if (item instanceof Tag && item.tag === 61) item = item.value;
  if (item instanceof Tag) {
    if (item.tag !== 18) throw new VerificationError('CBOR_INVALID', `unexpected tag ${item.tag}`);
    item = item.value;
  }
  if (!Array.isArray(item) || item.length !== 4) throw new VerificationError('CBOR_INVALID', 'not a COSE_Sign1 array of 4');
  const [protectedBytes, unprotectedRaw, payload, signature] = item as unknown[];
  if (!isBytes(protectedBytes) || !isBytes(payload) || !isBytes(signature)) {
    throw new VerificationError('CBOR_INVALID', 'COSE_Sign1 members have the wrong types');
  }
  const prot = protectedBytes.length === 0 ? new Map() : asMap(decodeCbor(protectedBytes), 'protected header');
  const unprot = asMap(unprotectedRaw, 'unprotected header');
  const warnings: Notice[] = [];

  let algValue = prot.get(HEADER_ALG);
  if (algValue === undefined) {
    algValue = unprot.get(HEADER_ALG);
    if (algValue !== undefined) warnings.push({ code: 'ALG_UNPROTECTED' });
  }
  if (algValue === undefined) throw new VerificationError('ALGORITHM_UNSUPPORTED', 'no algorithm in either header');
  const alg = typeof algValue === 'number' ? ALG_NAMES.get(algValue) : undefined;
  if (!alg) throw new VerificationError('ALGORITHM_UNSUPPORTED', `algorithm ${String(algValue)} is not allowed`);

  let kid = prot.get(HEADER_KID);
  if (kid === undefined) {
    kid = unprot.get(HEADER_KID);
    if (kid !== undefined) warnings.push({ code: 'KID_UNPROTECTED' });
  }
  if (kid === undefined) throw new VerificationError('KID_UNKNOWN', 'no kid in either header');
  if (!isBytes(kid)) throw new VerificationError('CBOR_INVALID', 'kid is not a byte string');

  return { protectedBytes, alg, kid, payload, signature, warnings };
}

/** Length of the CBOR head of a byte string of `length` bytes (RFC 8949 §3.1, major type 2). */
function bstrHeadLength(length: number): number {
  return length < 24 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

/** Writes that head at `at`; returns the offset after it. */
function writeBstrHead(out: Buffer, at: number, length: number): number {
  if (length < 24) {
    out[at] = 0x40 | length;
    return at + 1;
  }
  if (length < 0x100) {
    out[at] = 0x58;
    out[at + 1] = length;
    return at + 2;
  }
  if (length < 0x10000) {
    out[at] = 0x59;
    out.writeUInt16BE(length, at + 1);
    return at + 3;
  }
  out[at] = 0x5a;
  out.writeUInt32BE(length, at + 1);
  return at + 5;
}

/** array(4) and text "Signature1" come first; the empty external_aad (h'') sits between the two byte strings. */
const SIG1_PREFIX = Buffer.from('846a5369676e617475726531', 'hex');

/**
 * Sig_structure = ["Signature1", body_protected, external_aad = h'', payload] (RFC 9052 §4.4),
 * written byte by byte into one buffer (deterministic CBOR) so the protected bytes stay
 * exactly as received.
 */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const size = SIG1_PREFIX.length + bstrHeadLength(protectedBytes.length) + protectedBytes.length + 1 + bstrHeadLength(payload.length) + payload.length;
  const out = Buffer.allocUnsafe(size);
  let at = SIG1_PREFIX.copy(out, 0);
  at = writeBstrHead(out, at, protectedBytes.length);
  out.set(protectedBytes, at);
  at += protectedBytes.length;
  out[at++] = 0x40;
  at = writeBstrHead(out, at, payload.length);
  out.set(payload, at);
  return out;
}
