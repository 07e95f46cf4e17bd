// An HC1 issuer for the WHO DVC and health-link tests, built from cbor-x, node:crypto, node:zlib
// and the npm `base45` package only — NOT from scripts/demo/sign-hc1.ts — so the decoder is
// checked against an independent encoder (fixtures that prove interoperability come
// from an independent implementation). The real-format WHO examples (../shared/vectors/who-dvc,
// WHO gdhcn-validator) cannot be verified (test keys); these are signed by a listed test DSC.
import { sign, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { encode as base45 } from 'base45';
import { Encoder, Tag } from 'cbor-x';

const cbor = new Encoder({ useRecords: false, mapsAsObjects: false, useTag259ForMaps: false, tagUint8Array: false } as never);

/** A JSON value as CBOR-ready data: objects become Maps with string keys (as issuers write them); undefined members are left out. */
export function asCbor(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asCbor);
  if (typeof value === 'object' && value !== null) {
    return new Map(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, asCbor(v)]));
  }
  return value;
}

export interface IssueOptions {
  key: KeyObject;
  kid: Uint8Array;
  iss?: string;
  /** Seconds since the epoch. */
  iat: number;
  exp?: number;
  /** hcert (−260) sub-claims: label → JSON value (converted with asCbor). */
  hcert: Record<number, unknown>;
  /** Replace the signed payload after signing (a tampered certificate). */
  tamper?: (payload: Map<number, unknown>) => void;
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
export { seconds };

export function issue(opts: IssueOptions): string {
  const claims = (): Map<number, unknown> => {
    const m = new Map<number, unknown>();
    if (opts.iss !== undefined) m.set(1, opts.iss);
    if (opts.exp !== undefined) m.set(4, opts.exp);
    m.set(6, opts.iat);
    m.set(-260, new Map(Object.entries(opts.hcert).map(([label, v]) => [Number(label), asCbor(v)])));
    return m;
  };
  const payload = cbor.encode(claims());
  const protectedBytes = cbor.encode(new Map<number, unknown>([[1, -7], [4, Buffer.from(opts.kid)]]));
  const toBeSigned = cbor.encode(['Signature1', protectedBytes, Buffer.alloc(0), payload]);
  const signature = sign('sha256', toBeSigned, { key: opts.key, dsaEncoding: 'ieee-p1363' });
  let signedPayload = payload;
  if (opts.tamper) {
    const changed = claims();
    opts.tamper(changed);
    signedPayload = cbor.encode(changed);
  }
  const cose = cbor.encode(new Tag([protectedBytes, new Map(), signedPayload, signature], 18));
  return 'HC1:' + base45(deflateSync(cose));
}

/** A yellow-fever DVCMin as the smart-icvp example questionnaire fills it (STAMARIL, product id in mp). */
export function yellowFever(overrides: { v?: Record<string, unknown> } & Record<string, unknown> = {}): Record<string, unknown> {
  const { v, ...rest } = overrides;
  return {
    n: 'Ayu Lestari Pratama-Müller',
    dob: '1990-04-12',
    s: 'female',
    ntl: 'IDN',
    nid: 'DEMO-NID-0001',
    v: {
      dn: '1',
      tg: '1D47',
      vp: 'XM0N24',
      mp: 'YellowFeverProductd8a09f80301dc05e124f99ffe7711fc0',
      ma: 'Sanofi Pasteur',
      dt: '2026-11-01',
      bo: 'DEMO-LOT-1',
      vls: '2026-11-11',
      cn: 'dr. Demo Klinisi',
      is: 'KKP Soekarno-Hatta (demo)',
      ...v,
    },
    ...rest,
  };
}
