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

/** CBOR head of a byte string of `length` bytes (RFC 8949 §3.1, major type 2). */
function bstrHead(length: number): Buffer {
  if (length < 24) return Buffer.from([0x40 | length]);
  if (length < 0x100) return Buffer.from([0x58, length]);
  if (length < 0x10000) return Buffer.from([0x59, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = 0x5a;
  head.writeUInt32BE(length, 1);
  return head;
}

/** array(4), text "Signature1", and the empty external_aad come first and last respectively. */
const SIG1_PREFIX = Buffer.from('846a5369676e617475726531', 'hex');
const EMPTY_BSTR = Buffer.from([0x40]);

/**
 * Sig_structure = ["Signature1", body_protected, external_aad = h'', payload] (RFC 9052 §4.4),
 * written byte by byte (deterministic CBOR) so the protected bytes stay exactly as received.
 */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return Buffer.concat([
    SIG1_PREFIX,
    bstrHead(protectedBytes.length),
    protectedBytes,
    EMPTY_BSTR,
    bstrHead(payload.length),
    payload,
  ]);
}
