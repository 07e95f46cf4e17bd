// Issuing side of HC1, for the demo certificates and tests: CWT → COSE_Sign1 → zlib → Base45.
// It mirrors the decoder stage by stage so tests can break exactly one layer.
import { constants, sign, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { Encoder, Tag } from 'cbor-x';
import { encodeBase45 } from '../../src/formats/dcc/base45.js';
import { COSE_ALG, sigStructure, type CoseAlgName } from '../../src/formats/dcc/cose.js';

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, useTag259ForMaps: false, tagUint8Array: false } as never);

export function cbor(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export interface Hc1Claims {
  iss?: string;
  iat: number;
  exp?: number;
  /** The EU DCC JSON (hcert -260/1), or any other value to put there. */
  dcc: unknown;
  /** hcert sub-claim to put it under: 1 EU DCC (default), 3 WHO DDCC:VS, 4 WHO DDCC:TR. */
  hcertLabel?: number;
}

export interface SignOptions {
  alg: CoseAlgName;
  key: KeyObject;
  kid: Uint8Array;
  /** Put the kid in the unprotected header instead (as real German certificates do). */
  kidUnprotected?: boolean;
}

export function cwtPayload(claims: Hc1Claims): Uint8Array {
  const map = new Map<number, unknown>();
  if (claims.iss !== undefined) map.set(1, claims.iss);
  if (claims.exp !== undefined) map.set(4, claims.exp);
  map.set(6, claims.iat);
  map.set(-260, new Map([[claims.hcertLabel ?? 1, claims.dcc]]));
  return cbor(map);
}

export function signCose(payload: Uint8Array, opts: SignOptions): Uint8Array {
  const prot = new Map<number, unknown>([[1, COSE_ALG[opts.alg]]]);
  const unprot = new Map<number, unknown>();
  (opts.kidUnprotected ? unprot : prot).set(4, Buffer.from(opts.kid));
  const protectedBytes = cbor(prot);
  const data = sigStructure(protectedBytes, payload);
  const signature =
    opts.alg === 'ES256'
      ? sign('sha256', data, { key: opts.key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', data, { key: opts.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return cbor(new Tag([Buffer.from(protectedBytes), unprot, Buffer.from(payload), signature], 18));
}

export function wrapHc1(cose: Uint8Array): string {
  return 'HC1:' + encodeBase45(deflateSync(cose, { level: 9 }));
}

export function issueHc1(claims: Hc1Claims, opts: SignOptions): string {
  return wrapHc1(signCose(cwtPayload(claims), opts));
}
