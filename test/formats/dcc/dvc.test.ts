// WHO digital vaccination certificate / digital ICVP in the HC1 adapter (formats.md "WHO digital
// vaccination certificate / digital ICVP"; contract `WHO_DVC`): hcert −260 sub-claim −6.
//
// Two kinds of fixture:
// - the three real-format examples of WHO's gdhcn-validator (../shared/vectors/who-dvc, read in
//   place): they must decode and map, then stop at KID_UNKNOWN (their signers are test keys);
// - DVCs signed here by a listed test DSC with an independent encoder (./dvc-sign.ts: cbor-x,
//   node:crypto, zlib, npm base45 — not scripts/demo/sign-hc1.ts), for every verification code.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../../src/errors.js';
import { decodeHc1, dccAdapter } from '../../../src/formats/dcc/index.js';
import { doseNumberOf, DvcSchema, icvpProduct, mapDvc } from '../../../src/formats/dcc/dvc.js';
import { vaccination } from '../../../scripts/demo/samples.js';
import { signerFromCertificate } from '../../../src/trust/signer.js';
import type { Signer, TrustResolver } from '../../../src/trust/types.js';
import { testPki, type TestPki } from '../../helpers/service.js';
import { resolverOf, verifyStaged, type StagedResult } from '../../helpers/stages.js';
import { issue, seconds, yellowFever } from './dvc-sign.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const VECTORS = path.resolve(ROOT, '../shared/vectors/who-dvc');
const HAVE_VECTORS = existsSync(VECTORS);
if (!HAVE_VECTORS) console.warn('SKIPPED (test/formats/dcc/dvc.test.ts, WHO examples): ../shared/vectors/who-dvc is missing');

const AT = new Date('2026-11-25T10:00:00Z');
const IAT = seconds('2026-11-01T08:00:00Z');
const EXP = seconds('2027-11-01T08:00:00Z');

let pki: TestPki;
let listed: Signer[];
beforeAll(async () => {
  pki = await testPki();
  listed = [pki.ec, pki.testOnly].map((c) => signerFromCertificate(c.der, { source: 'unit' }));
});
const trustOf = (signers: readonly Signer[]): TrustResolver => resolverOf({ dcc: (kid) => signers.filter((s) => s.kid === kid) });
const run = (qr: string, opts: { trust?: TrustResolver; at?: Date } = {}): Promise<StagedResult> =>
  verifyStaged(dccAdapter, qr, { trust: opts.trust ?? trustOf(listed), at: opts.at ?? AT, lang: 'en' });
const codes = (r: StagedResult) => r.failures.map((f) => f.code);
async function stopCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'NO_STOP';
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
}
const dvc = (doc: unknown, opts: { signer?: 'ec' | 'testOnly' | 'stranger'; iat?: number; exp?: number | null } = {}) => {
  const s = pki[opts.signer ?? 'ec'];
  return issue({ key: s.privateKey, kid: s.kid, iss: 'XA', iat: opts.iat ?? IAT, ...(opts.exp === null ? {} : { exp: opts.exp ?? EXP }), hcert: { [-6]: doc } });
};

describe.skipIf(!HAVE_VECTORS)('the WHO gdhcn-validator examples (real format, test signers)', () => {
  const example = (name: string) => readFileSync(path.join(VECTORS, `${name}.txt`), 'utf8').trim();
  it.each([
    ['DVCTestQR', 'Aulo Agerio', '1905-08-23', '1D47', 'Yellow fever', '1904-08-23', 'XM0N24'],
    ['DVCTest2QR', 'Aulo Agerio', '1905-08-23', '1D47', 'Yellow fever', '1904-08-23', 'XM0N24'],
    ['DVCTest3QR', 'Albani Olivieri', '1999-05-05', 'RA01', 'COVID-19', '2023-07-04', '871772009'],
  ])('%s decodes to WHO_DVC with holder %s, disease %s and date, then stops at KID_UNKNOWN', async (name, holder, dob, tg, diseaseName, date, vp) => {
    const qr = example(name);
    const decoded = dccAdapter.decode(qr);
    expect(decoded.format).toBe('WHO_DVC');
    const mapped = dccAdapter.map(decoded.data, undefined as never);
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.certificate.format).toBe('WHO_DVC');
    expect(mapped.certificate.holder).toEqual({ familyName: holder, dateOfBirth: dob });
    expect(mapped.certificate.evidence).toMatchObject({ type: 'vaccination', disease: { code: tg, display: diseaseName }, date, prophylaxis: { code: vp } });
    expect(mapped.display).toMatchObject({ type: 'vaccination', disease: { code: tg }, date });
    // Their signer (kid UUuJcwmjoJM) is on no list.
    expect(Buffer.from(decodeHc1(qr).cose.kid).toString('base64')).toBe('UUuJcwmjoJM=');
    expect(await stopCode(run(qr))).toBe('KID_UNKNOWN');
  });

  it('reads what these issuers write: s "M" / "female", dn "Primary" / "secondDose", ntl alpha-2, no cn/is, mp "1"', () => {
    const first = mapDvc(decodeHc1(example('DVCTestQR')).content.json, {});
    const third = mapDvc(decodeHc1(example('DVCTest3QR')).content.json, {});
    expect(first.ok && third.ok).toBe(true);
    if (!first.ok || !third.ok) return;
    expect(first.certificate.evidence).toMatchObject({ doseNumber: 1, doseLabel: 'Primary', batch: '123123123', clinician: 'Vacunador', validFrom: '2015-02-07', validUntil: '2015-02-07', manufacturer: { code: '25', display: 'HIPRA' } });
    expect(first.display).toMatchObject({ dose: 'Primary', nationality: 'CL', nationalityName: 'Chile', vaccine: { code: 'XM0N24', display: 'Yellow fever vaccines' } });
    expect(third.certificate.evidence).toMatchObject({ doseNumber: 2, doseLabel: 'secondDose', product: { code: '1' } });
    expect(third.certificate.evidence).not.toHaveProperty('clinician');
  });
});

describe('DVCs signed by a listed DSC', () => {
  it('a yellow-fever DVC verifies: every check passes, ICVP catalogue names the product, issuer and clinician kept', async () => {
    const r = await run(dvc(yellowFever()));
    expect(r.format).toBe('WHO_DVC');
    expect(codes(r)).toEqual([]);
    expect(r.checks.map((c) => [c.name, c.passed])).toEqual([
      ['signature', true], ['signerValidity', true], ['keyUsage', true], ['issuedAt', true], ['expiry', true], ['revocation', true], ['schema', true],
    ]);
    expect(r.holder).toEqual({ familyName: 'Ayu Lestari Pratama-Müller', dateOfBirth: '1990-04-12' });
    expect(r.certificate).toMatchObject({
      format: 'WHO_DVC',
      issuerCountry: 'XA',
      evidence: {
        type: 'vaccination',
        disease: { code: '1D47', display: 'Yellow fever' },
        prophylaxis: { code: 'XM0N24', display: 'Yellow fever vaccines' },
        product: { code: 'YellowFeverProductd8a09f80301dc05e124f99ffe7711fc0', display: 'STAMARIL - 10 dose - Sanofi Pasteur' },
        manufacturer: { display: 'Sanofi Pasteur' },
        date: '2026-11-01',
        batch: 'DEMO-LOT-1',
        validFrom: '2026-11-11',
        clinician: 'dr. Demo Klinisi',
        issuer: 'KKP Soekarno-Hatta (demo)',
      },
    });
    expect(r.display).toMatchObject({ nationality: 'ID', nationalityName: 'Indonesia', issuerCountry: 'XA', batch: 'DEMO-LOT-1', validFrom: '2026-11-11' });
    expect(r.display).not.toHaveProperty('validUntil');
    expect(r.issuedAt?.toISOString()).toBe('2026-11-01T08:00:00.000Z');
    expect(r.expiresAt?.toISOString()).toBe('2027-11-01T08:00:00.000Z');
  });

  it('ICVPMin puts the product id in vp: the catalogue reads it there, and names the disease when tg is absent', async () => {
    const doc = yellowFever({ v: { vp: 'PolioVaccineOralOPVBivalProductdecf3a77facc0b8f1443db5f7a806857', mp: undefined, tg: undefined } });
    const r = await run(dvc(doc));
    expect(codes(r)).toEqual([]);
    expect(r.certificate?.evidence).toMatchObject({ product: { code: 'PolioVaccineOralOPVBivalProductdecf3a77facc0b8f1443db5f7a806857' }, disease: { code: '1C81', display: 'Poliomyelitis' } });
    expect(r.certificate?.evidence).not.toHaveProperty('prophylaxis');
    expect(icvpProduct('PolioVaccineOralOPVBivalProductdecf3a77facc0b8f1443db5f7a806857')).toMatchObject({ manufacturer: 'PT Bio Farma (Persero)', diseases: ['1C81'] });
  });

  it('a COVID-19 DVC names its EU product with the EU value-set display', async () => {
    const r = await run(dvc(yellowFever({ v: { tg: 'RA01', vp: 'J07BX03', mp: 'EU/1/20/1528', dn: 'secondDose', vls: undefined } })));
    expect(codes(r)).toEqual([]);
    expect(r.certificate?.evidence).toMatchObject({ disease: { code: 'RA01', display: 'COVID-19' }, product: { code: 'EU/1/20/1528', display: 'Comirnaty' }, doseNumber: 2, seriesFromCount: true });
  });

  it('no exp claim: VALID with the NO_EXPIRY warning (as the WHO examples carry none)', async () => {
    const r = await run(dvc(yellowFever(), { exp: null }));
    expect(codes(r)).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toContain('NO_EXPIRY');
  });

  it('tampered after signing → SIGNATURE_INVALID', async () => {
    const s = pki.ec;
    const qr = issue({
      key: s.privateKey, kid: s.kid, iss: 'XA', iat: IAT, exp: EXP, hcert: { [-6]: yellowFever() },
      tamper: (payload) => ((payload.get(-260) as Map<number, Map<string, unknown>>).get(-6)!.set('n', 'Budi Santoso')),
    });
    expect(await stopCode(run(qr))).toBe('SIGNATURE_INVALID');
  });

  it('signed by a key on no list → KID_UNKNOWN', async () => {
    expect(await stopCode(run(dvc(yellowFever(), { signer: 'stranger' })))).toBe('KID_UNKNOWN');
  });

  it('a DSC whose EKU allows tests only → KEY_USAGE_MISMATCH (a DVC is a vaccination)', async () => {
    const r = await run(dvc(yellowFever(), { signer: 'testOnly' }));
    expect(codes(r)).toEqual(['KEY_USAGE_MISMATCH']);
  });

  it('a GDHCN key listed for DCC only → KEY_USAGE_MISMATCH; listed for ICVP → VALID; the DCC-only key still signs an EU DCC', async () => {
    const base = listed[0]!;
    const dccOnly = trustOf([{ ...base, domains: ['DCC'] }]);
    expect(codes(await run(dvc(yellowFever()), { trust: dccOnly }))).toEqual(['KEY_USAGE_MISMATCH']);
    expect(codes(await run(dvc(yellowFever()), { trust: trustOf([{ ...base, domains: ['DDCC'] }]) }))).toEqual(['KEY_USAGE_MISMATCH']);
    expect(codes(await run(dvc(yellowFever()), { trust: trustOf([{ ...base, domains: ['DCC', 'ICVP'] }]) }))).toEqual([]);
    const eu = issue({ key: pki.ec.privateKey, kid: pki.ec.kid, iss: 'XA', iat: IAT, exp: EXP, hcert: { 1: vaccination({ dn: 2, sd: 2, dt: '2026-09-01' }) } });
    const euResult = await run(eu, { trust: dccOnly });
    expect(euResult.format).toBe('EU_DCC');
    expect(codes(euResult)).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['no name', (() => { const d = yellowFever(); delete d.n; return d; })()],
    ['an empty name', yellowFever({ n: '  ' })],
    ['no date of birth', (() => { const d = yellowFever(); delete d.dob; return d; })()],
    ['no vaccination date', yellowFever({ v: { dt: undefined } })],
    ['a vaccination date that is no date', yellowFever({ v: { dt: '2026-02-30' } })],
    ['no disease, vaccine class or product', yellowFever({ v: { tg: undefined, vp: undefined, mp: undefined } })],
    ['two vaccinations', { ...yellowFever(), v: [yellowFever().v, yellowFever().v] }],
    ['a validity that ends before it starts', yellowFever({ v: { vls: '2026-11-11', vle: '2026-11-10' } })],
    ['a nationality that is no country code', yellowFever({ ntl: 'Indonesia' })],
  ])('%s → SCHEMA_INVALID', async (_label, doc) => {
    const r = await run(dvc(doc));
    expect(codes(r)).toEqual(['SCHEMA_INVALID']);
    expect(r.certificate).toBeUndefined();
  });

  it('a schema failure still reports the holder it names (the officer sees whose certificate failed)', async () => {
    const r = await run(dvc(yellowFever({ v: { dt: 'yesterday' } })));
    expect(codes(r)).toEqual(['SCHEMA_INVALID']);
    expect(r.holder).toEqual({ familyName: 'Ayu Lestari Pratama-Müller', dateOfBirth: '1990-04-12' });
  });

  it('expired (exp before at) → EXPIRED; issued after at + 5 min → NOT_YET_VALID', async () => {
    const expired = await run(dvc(yellowFever(), { exp: seconds('2026-11-20T00:00:00Z') }));
    expect(codes(expired)).toEqual(['EXPIRED']);
    const future = await run(dvc(yellowFever(), { iat: seconds('2026-11-25T10:06:00Z') }));
    expect(codes(future)).toEqual(['NOT_YET_VALID']);
    const skew = await run(dvc(yellowFever(), { iat: seconds('2026-11-25T10:04:00Z') }));
    expect(codes(skew)).toEqual([]);
  });
});

describe('DvcSchema accepts what real issuers write', () => {
  const parse = (patch: Record<string, unknown>, v: Record<string, unknown> = {}) => DvcSchema.safeParse(yellowFever({ ...patch, v }));
  it.each([['M'], ['female'], ['F'], ['male'], ['U']])('s = %s', (s) => expect(parse({ s }).success).toBe(true));
  it.each([['1'], [1], ['Primary'], ['secondDose'], ['booster']])('dn = %s', (dn) => expect(parse({}, { dn }).success).toBe(true));
  it.each([['CL', 'CL'], ['CHL', 'CL'], ['idn', 'ID'], ['XK', 'XK']])('ntl = %s (shown as %s)', (ntl, shown) => {
    const m = mapDvc(yellowFever({ ntl }), {});
    expect(m.ok && m.display.nationality).toBe(shown);
  });
  it('optional fields written as "" or null count as absent; a v list of one is read', () => {
    expect(parse({ s: '', ntl: null, gn: '' }, { cn: '', is: null, vle: '' }).success).toBe(true);
    expect(DvcSchema.safeParse({ ...yellowFever(), v: [yellowFever().v] }).success).toBe(true);
  });
  it('dates with a time are read by their day; the name is NFC-normalised and trimmed', () => {
    const m = mapDvc(yellowFever({ n: ' Pratama-Mu\u0308ller ', dob: '1990-04-12T00:00:00Z' }), {});
    expect(m.ok && m.certificate.holder).toEqual({ familyName: 'Pratama-Müller', dateOfBirth: '1990-04-12' });
  });
  it.each([['1', 1], ['2', 2], ['Primary', 1], ['secondDose', 2], ['Second dose', 2], ['thirdDose', 3], ['booster', 0], ['', 0]])('doseNumberOf(%s) = %s', (dn, n) => {
    expect(doseNumberOf(dn)).toBe(n);
  });
  it('codes from the certificate never reach Object.prototype (catalogue lookups miss)', () => {
    expect(icvpProduct('constructor')).toBeUndefined();
    expect(icvpProduct('__proto__')).toBeUndefined();
  });
});
