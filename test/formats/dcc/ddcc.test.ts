// WHO DDCC inside the HC1 adapter (src/formats/dcc/ddcc.ts, readContent in dcc/index.ts): the
// logical model DDCC:VS / DDCC:TR under hcert −260/3 and −260/4, or as the whole COSE payload
// with no CWT claims (anchors-mission §2.2 item 10), read in camelCase or snake_case. The EU
// and WHO models are told apart by the hcert sub-claim, or for a whole payload by shape
// (`ver`/`nam` vs `name`/`vaccine`), and one is never taken for the other.
// No external DDCC certificate vectors exist in ../shared/vectors (the WHO reference QR codes
// carry personal data and stay out of the repository), so every case is signed here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../../src/errors.js';
import { ddccTest, ddccVaccination, ddccVaccinationSnake } from '../../../scripts/demo/formats.js';
import { vaccination } from '../../../scripts/demo/samples.js';
import { cbor, issueHc1, signCose, wrapHc1 } from '../../../scripts/demo/sign-hc1.js';
import { ddccEnd, ddccValidity, looksLikeDdcc, mapDdcc } from '../../../src/formats/dcc/ddcc.js';
import { dccAdapter } from '../../../src/formats/dcc/index.js';
import { signerFromCertificate } from '../../../src/trust/signer.js';
import type { TrustResolver } from '../../../src/trust/types.js';
import { testPki, type TestPki } from '../../helpers/service.js';
import { resolverOf, verifyStaged, type StagedResult as AdapterResult } from '../../helpers/stages.js';

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const AT = new Date('2021-11-01T10:00:00Z');
const CLAIMS = { iss: 'XA', issuedAt: new Date('2021-09-01T00:00:00Z') };

let pki: TestPki;
let trust: TrustResolver;
beforeAll(async () => {
  pki = await testPki();
  const signers = [pki.ec, pki.testOnly].map((c) => signerFromCertificate(c.der, { source: 'unit' }));
  trust = resolverOf({ dcc: (kid) => signers.filter((s) => s.kid === kid) });
});

type Signed = { label?: number; doc: unknown; signer?: 'ec' | 'testOnly' };
function underHcert({ label = 3, doc, signer = 'ec' }: Signed): string {
  const s = pki[signer];
  return issueHc1({ iss: 'XA', iat: seconds('2021-09-01T00:00:00Z'), exp: seconds('2030-12-01T00:00:00Z'), dcc: doc, hcertLabel: label }, { alg: 'ES256', key: s.privateKey, kid: s.kid });
}
function wholePayload(doc: unknown, signer: 'ec' | 'testOnly' = 'ec'): string {
  const s = pki[signer];
  return wrapHc1(signCose(cbor(doc), { alg: 'ES256', key: s.privateKey, kid: s.kid, kidUnprotected: true }));
}
const run = (qr: string): Promise<AdapterResult> => verifyStaged(dccAdapter, qr, { trust, at: AT, lang: 'en' });
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'NO_ERROR';
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
}
const codes = (r: AdapterResult) => r.failures.map((f) => f.code);

describe('looksLikeDdcc (shape detection of a whole payload)', () => {
  it('claims the WHO model in camelCase and snake_case, VS and TR', () => {
    expect(looksLikeDdcc(ddccVaccination({ dose: 1, date: '2021-08-01' }))).toBe(true);
    expect(looksLikeDdcc(ddccVaccinationSnake({ dose: 1, date: '2021-08-01' }))).toBe(true);
    expect(looksLikeDdcc(ddccTest({ sampledAt: '2021-10-31T10:00:00Z' }))).toBe(true);
  });

  it('never claims an EU DCC, nor something that merely has a name', () => {
    expect(looksLikeDdcc(vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }))).toBe(false);
    expect(looksLikeDdcc({ name: 'A' })).toBe(false);
    expect(looksLikeDdcc({ name: { fn: 'A' }, vaccine: 'x' })).toBe(false);
    for (const v of [null, undefined, 'text', 42, []]) expect(looksLikeDdcc(v)).toBe(false);
  });
});

describe('mapDdcc (the logical model → the common certificate model)', () => {
  it('DDCC:VS in camelCase: holder, ICD-11 brand as product, dose x/y, date, country, certificate id', () => {
    const r = mapDdcc(ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01', hcid: 'HCID-1' }), 'VS', CLAIMS);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.certificate).toMatchObject({
      format: 'WHO_DDCC',
      holder: { familyName: 'Ayu Lestari Pratama-Müller', dateOfBirth: '1990-04-12' },
      issuerCountry: 'XA',
      issuedAt: CLAIMS.issuedAt,
      evidence: {
        type: 'vaccination',
        product: { code: 'ICD11:XM8NQ0', display: 'Comirnaty' },
        doseNumber: 2,
        totalDoses: 2,
        date: '2021-08-01',
        disease: { code: 'RA01.0' },
        country: { code: 'XA' },
        certificateId: 'HCID-1',
      },
    });
    expect((r.certificate.evidence as { seriesFromCount?: boolean }).seriesFromCount).toBeUndefined();
    expect(r.display).toMatchObject({ type: 'vaccination', dose: '2/2' });
  });

  it('snake_case keys (birth_date, total_doses, valid_from) map exactly as camelCase does', () => {
    const opts = { dose: 1, totalDoses: 2, date: '2021-08-01' };
    const camel = mapDdcc(ddccVaccination(opts), 'VS', CLAIMS);
    const snake = mapDdcc(ddccVaccinationSnake(opts), 'VS', CLAIMS);
    expect(camel.ok && snake.ok).toBe(true);
    if (!camel.ok || !snake.ok) return;
    expect(snake.certificate.holder).toEqual(camel.certificate.holder);
    expect(snake.certificate.evidence).toEqual(camel.certificate.evidence);
    expect(snake.certificate.evidence).toMatchObject({ doseNumber: 1, totalDoses: 2 });
  });

  it('no total doses stated → totalDoses = dose with seriesFromCount (the policy judges the count)', () => {
    const r = mapDdcc(ddccVaccination({ dose: 1, date: '2021-08-01' }), 'VS', CLAIMS);
    expect(r.ok && r.certificate.evidence).toMatchObject({ doseNumber: 1, totalDoses: 1, seriesFromCount: true });
  });

  it('bare string codes are read; an XM code without a system is taken as ICD-11; doses as numeric strings', () => {
    const doc = { ...ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' }), brand: 'XM97T2', vaccine: 'XM68M6', dose: '2', totalDoses: '2' };
    const r = mapDdcc(doc, 'VS', CLAIMS);
    expect(r.ok && r.certificate.evidence).toMatchObject({ product: { code: 'ICD11:XM97T2' }, doseNumber: 2, totalDoses: 2 });
  });

  it('DDCC:TR negative NAAT → LP6464-4 / 260415000, not positive; sampled at the test date', () => {
    const r = mapDdcc(ddccTest({ sampledAt: '2021-10-31T10:00:00Z' }), 'TR', CLAIMS);
    expect(r.ok && r.certificate.evidence).toMatchObject({
      type: 'test',
      testType: { code: 'LP6464-4' },
      result: { code: '260415000' },
      positive: false,
      sampledAt: '2021-10-31T10:00:00Z',
      centre: 'Lintas Demo Test Centre',
    });
  });

  it('DDCC:TR positive antigen → LP217198-3 / 260373001, positive; result words are understood too', () => {
    const r = mapDdcc(ddccTest({ sampledAt: '2021-10-31T10:00:00Z', type: 'LP217198-3', positive: true }), 'TR', CLAIMS);
    expect(r.ok && r.certificate.evidence).toMatchObject({ testType: { code: 'LP217198-3' }, result: { code: '260373001' }, positive: true });
    const doc = ddccTest({ sampledAt: '2021-10-31T10:00:00Z' });
    const words = mapDdcc({ ...doc, test: { ...doc.test, result: { code: 'Detected' } } }, 'TR', CLAIMS);
    expect(words.ok && words.certificate.evidence).toMatchObject({ result: { code: '260373001' }, positive: true });
  });

  const vs = () => ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' }) as Record<string, unknown>;
  const tr = () => ddccTest({ sampledAt: '2021-10-31T10:00:00Z' }) as Record<string, unknown>;
  const without = (doc: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(doc).filter(([k]) => k !== key));
  it.each<[string, () => unknown, 'VS' | 'TR' | 'auto', RegExp]>([
    ['VS without name', () => without(vs(), 'name'), 'VS', /name/],
    ['VS without vaccine', () => without(vs(), 'vaccine'), 'VS', /vaccine/],
    ['VS without date', () => without(vs(), 'date'), 'VS', /date/],
    ['VS without dose', () => without(vs(), 'dose'), 'VS', /dose/],
    ['VS with dose 0', () => ({ ...vs(), dose: 0 }), 'VS', /dose/],
    ['VS with a date that is not YYYY-MM-DD', () => ({ ...vs(), date: '01/08/2021' }), 'VS', /date/],
    ['VS with a bad birthDate', () => ({ ...vs(), birthDate: '12.04.1990' }), 'VS', /birthDate/],
    ['TR without test.result', () => ({ ...tr(), test: without(tr().test as Record<string, unknown>, 'result') }), 'TR', /result/],
    ['TR without test.type', () => ({ ...tr(), test: without(tr().test as Record<string, unknown>, 'type') }), 'TR', /type/],
    ['a TR document under the VS sub-claim', () => tr(), 'VS', /vaccine|date|dose/],
    ['a VS document under the TR sub-claim', () => vs(), 'TR', /test/],
    ['an EU DCC under a DDCC sub-claim', () => vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }), 'VS', /name/],
  ])('%s → not mapped, problems name the field', (_name, doc, kind, field) => {
    const r = mapDdcc(doc(), kind, CLAIMS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('; ')).toMatch(field);
  });

  it('ddccValidity: a whole payload takes issuance from certificate.period.start and expiry from its end', () => {
    const v = ddccValidity(ddccVaccinationSnake({ dose: 1, date: '2021-08-01' }));
    expect(v).toEqual({ issuedAt: new Date('2021-08-01'), expiresAt: new Date('2031-01-01') });
    const { certificate: _c, ...bare } = ddccVaccination({ dose: 1, date: '2021-08-02' });
    expect(ddccValidity(bare)).toEqual({ issuedAt: new Date('2021-08-02') });
  });
});

// Issue #10 item 5. Field names as WHO writes them: the logical model's certificate.period.end
// ("Certificate valid until", DDCC Core Data Set RC2, WorldHealthOrganization/ddcc
// input/fsh/ddcc-core-data-set.fsh) and the root valid_from / valid_until of the reference QR
// codes (WorldHealthOrganization/gdhcn-validator, verify/.../hcert/ddcc/DdccModel.kt).
describe('regression: the end of a WHO DDCC\'s validity (valid_until / validUntil) was ignored', () => {
  const { certificate: _c, ...bare } = ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' });
  const snakeBare = () => {
    const { certificate: _p, ...rest } = ddccVaccinationSnake({ dose: 2, totalDoses: 2, date: '2021-08-01' });
    return rest;
  };

  it('ddccEnd / ddccValidity read valid_until and validUntil; the earliest of it and certificate.period.end wins', () => {
    expect(ddccValidity({ ...snakeBare(), valid_until: '2021-10-01' })).toEqual({ issuedAt: new Date('2021-08-01'), expiresAt: new Date('2021-10-01') });
    expect(ddccEnd({ ...bare, validUntil: '2021-10-01T12:00:00Z' })).toEqual(new Date('2021-10-01T12:00:00Z'));
    const both = ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' });
    expect(ddccEnd({ ...both, validUntil: '2021-10-01' })).toEqual(new Date('2021-10-01'));
    expect(ddccEnd({ ...both, validUntil: '2040-01-01' })).toEqual(new Date('2031-01-01'));
    expect(ddccEnd(bare)).toBeUndefined();
  });

  it('mapDdcc under a CWT: the certificate ends at the earlier of exp and the document\'s valid_until', () => {
    const r = mapDdcc({ ...bare, validUntil: '2021-10-01' }, 'VS', { ...CLAIMS, expiresAt: new Date('2030-01-01') });
    expect(r.ok && r.certificate.expiresAt).toEqual(new Date('2021-10-01'));
    const later = mapDdcc({ ...bare, validUntil: '2040-10-01' }, 'VS', { ...CLAIMS, expiresAt: new Date('2030-01-01') });
    expect(later.ok && later.certificate.expiresAt).toEqual(new Date('2030-01-01'));
  });

  it('a valid_until that is not a date → SCHEMA_INVALID (it must not silently drop the bound)', () => {
    for (const v of ['2021-13-45', 'soon', '01/10/2021']) {
      const r = mapDdcc({ ...bare, validUntil: v }, 'VS', CLAIMS);
      expect(r.ok, v).toBe(false);
      if (!r.ok) expect(r.problems.join('; ')).toMatch(/validUntil/);
    }
  });

  it('adapter, whole payload: valid_until before at → EXPIRED listed, and the report carries that expiry', async () => {
    const r = await run(wholePayload({ ...snakeBare(), valid_until: '2021-10-01' }));
    expect(codes(r)).toContain('EXPIRED');
    expect(r.expiresAt).toEqual(new Date('2021-10-01'));
    expect(r.checks).toContainEqual(expect.objectContaining({ name: 'expiry', passed: false }));
  });

  it('adapter, whole payload: validUntil (camelCase) before at → EXPIRED; after at → no failure, no NO_EXPIRY', async () => {
    expect(codes(await run(wholePayload({ ...bare, validUntil: '2021-10-31T23:59:59Z' })))).toContain('EXPIRED');
    const ok = await run(wholePayload({ ...bare, validUntil: '2022-10-31' }));
    expect(ok.failures).toEqual([]);
    expect(ok.warnings.map((w) => w.code)).not.toContain('NO_EXPIRY');
  });

  it('adapter, whole payload: a valid_from after at stays NOT_YET_VALID (unchanged)', async () => {
    const r = await run(wholePayload({ ...snakeBare(), valid_from: '2021-12-01', valid_until: '2022-12-01' }));
    expect(codes(r)).toEqual(['NOT_YET_VALID']);
  });
});

describe('the HC1 adapter with WHO DDCC content (signed here, verified with the test DSCs)', () => {
  // Every adapter-level case counts toward the printed conformance line.
  const tally = { asExpected: 0, total: 0 };
  const count = (ok: boolean) => {
    tally.total += 1;
    if (ok) tally.asExpected += 1;
  };
  afterAll(() => {
    console.log(
      `conformance WHO_DDCC: ${tally.asExpected}/${tally.total} own-signed adapter cases as expected (−260/3, −260/4, whole payload, camel/snake, EU↔WHO separation); no external DDCC certificate vectors exist in ../shared/vectors`,
    );
  });

  it('DDCC:VS under −260/3 → WHO_DDCC, certificate mapped, no failures', async () => {
    const r = await run(underHcert({ label: 3, doc: ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' }) }));
    count(r.format === 'WHO_DDCC' && r.failures.length === 0);
    expect(r.format).toBe('WHO_DDCC');
    expect(r.failures).toEqual([]);
    expect(r.certificate).toMatchObject({ format: 'WHO_DDCC', evidence: { type: 'vaccination', doseNumber: 2 } });
    expect(r.issuedAt).toEqual(new Date('2021-09-01T00:00:00Z'));
  });

  it('regression (issue #10 item 5): DDCC:VS under −260/3 whose validUntil is before at → EXPIRED, though the CWT exp is years later', async () => {
    const doc = { ...(ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' }) as Record<string, unknown>), validUntil: '2021-10-01T00:00:00Z' };
    const r = await run(underHcert({ label: 3, doc }));
    expect(r.failures.map((f) => f.code)).toEqual(['EXPIRED']);
    expect(r.expiresAt).toEqual(new Date('2021-10-01T00:00:00Z'));
    expect(r.checks).toContainEqual({ name: 'expiry', passed: false, code: 'EXPIRED' });
    const later = await run(underHcert({ label: 3, doc: { ...doc, validUntil: '2022-10-01T00:00:00Z' } }));
    expect(later.failures).toEqual([]);
  });

  it('DDCC:TR under −260/4 → WHO_DDCC test', async () => {
    const r = await run(underHcert({ label: 4, doc: ddccTest({ sampledAt: '2021-10-31T10:00:00Z' }) }));
    count(r.format === 'WHO_DDCC' && r.failures.length === 0 && r.certificate?.evidence.type === 'test');
    expect(r.format).toBe('WHO_DDCC');
    expect(r.failures).toEqual([]);
    expect(r.certificate?.evidence).toMatchObject({ type: 'test', positive: false });
  });

  it('snake_case DDCC:VS under −260/3 verifies as well', async () => {
    const r = await run(underHcert({ label: 3, doc: ddccVaccinationSnake({ dose: 1, totalDoses: 2, date: '2021-08-01' }) }));
    count(r.failures.length === 0 && r.certificate?.holder.dateOfBirth === '1990-04-12');
    expect(r.failures).toEqual([]);
    expect(r.certificate?.holder).toEqual({ familyName: 'Ayu Lestari Pratama-Müller', dateOfBirth: '1990-04-12' });
  });

  it('the whole payload with no CWT claims (kid unprotected, as the WHO reference issues it) verifies', async () => {
    const r = await run(wholePayload(ddccVaccinationSnake({ dose: 2, totalDoses: 2, date: '2021-08-01' })));
    count(r.format === 'WHO_DDCC' && r.failures.length === 0);
    expect(r.format).toBe('WHO_DDCC');
    expect(r.failures).toEqual([]);
    expect(r.signer.kid).toBe(Buffer.from(pki.ec.kid).toString('base64'));
    expect(r.issuedAt).toEqual(new Date('2021-08-01'));
    expect(r.expiresAt).toEqual(new Date('2031-01-01'));
    expect(r.certificate?.evidence).toMatchObject({ type: 'vaccination', doseNumber: 2, totalDoses: 2 });
  });

  it('a whole-payload DDCC:TR is recognised by shape as a test', async () => {
    const r = await run(wholePayload(ddccTest({ sampledAt: '2021-10-31T10:00:00Z' })));
    count(r.failures.length === 0 && r.certificate?.evidence.type === 'test');
    expect(r.failures).toEqual([]);
    expect(r.certificate?.evidence.type).toBe('test');
  });

  it('a whole payload without a period has no expiry: accepted with NO_EXPIRY', async () => {
    const { certificate: _c, ...bare } = ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' });
    const r = await run(wholePayload(bare));
    count(r.failures.length === 0 && r.warnings.some((w) => w.code === 'NO_EXPIRY'));
    expect(r.failures).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toContain('NO_EXPIRY');
  });

  it('a DDCC with fields missing → SCHEMA_INVALID listed, format WHO_DDCC, no certificate', async () => {
    const { date: _d, ...noDate } = ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' });
    for (const qr of [underHcert({ label: 3, doc: noDate }), wholePayload({ ...noDate, dose: 'two' })]) {
      const r = await run(qr);
      count(r.format === 'WHO_DDCC' && codes(r).join() === 'SCHEMA_INVALID' && r.certificate === undefined);
      expect(r.format).toBe('WHO_DDCC');
      expect(codes(r)).toEqual(['SCHEMA_INVALID']);
      expect(r.certificate).toBeUndefined();
    }
  });

  it('an EU DCC under −260/1 stays EU_DCC (never taken for DDCC)', async () => {
    const r = await run(underHcert({ label: 1, doc: vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }) }));
    count(r.format === 'EU_DCC' && r.failures.length === 0);
    expect(r.format).toBe('EU_DCC');
    expect(r.failures).toEqual([]);
    expect(r.certificate?.format).toBe('EU_DCC');
  });

  it('an EU DCC as a whole payload (no CWT claims) is not taken for DDCC: CWT_INVALID', async () => {
    const code = await codeOf(run(wholePayload(vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }))));
    count(code === 'CWT_INVALID');
    expect(code).toBe('CWT_INVALID');
  });

  it('an EU DCC under the DDCC sub-claim −260/3 is never mapped as an EU certificate: WHO_DDCC with SCHEMA_INVALID', async () => {
    const r = await run(underHcert({ label: 3, doc: vaccination({ dn: 2, sd: 2, dt: '2021-08-01' }) }));
    count(r.format === 'WHO_DDCC' && codes(r).join() === 'SCHEMA_INVALID');
    expect(r.format).toBe('WHO_DDCC');
    expect(codes(r)).toEqual(['SCHEMA_INVALID']);
    expect(r.certificate).toBeUndefined();
  });

  it('a DDCC under the EU sub-claim −260/1 is never mapped as DDCC: EU_DCC with SCHEMA_INVALID', async () => {
    const r = await run(underHcert({ label: 1, doc: ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' }) }));
    count(r.format === 'EU_DCC' && codes(r).join() === 'SCHEMA_INVALID');
    expect(r.format).toBe('EU_DCC');
    expect(codes(r)).toEqual(['SCHEMA_INVALID']);
    expect(r.certificate).toBeUndefined();
  });

  it('key usage applies: a tests-only DSC may sign DDCC:TR but not DDCC:VS', async () => {
    const ok = await run(underHcert({ label: 4, doc: ddccTest({ sampledAt: '2021-10-31T10:00:00Z' }), signer: 'testOnly' }));
    const bad = await run(underHcert({ label: 3, doc: ddccVaccination({ dose: 2, totalDoses: 2, date: '2021-08-01' }), signer: 'testOnly' }));
    count(ok.failures.length === 0 && codes(bad).join() === 'KEY_USAGE_MISMATCH');
    expect(ok.failures).toEqual([]);
    expect(codes(bad)).toEqual(['KEY_USAGE_MISMATCH']);
  });

  it('key usage applies to a whole payload too: a tests-only DSC may not sign a whole-payload DDCC:VS', async () => {
    const bad = await run(wholePayload(ddccVaccinationSnake({ dose: 2, totalDoses: 2, date: '2021-08-01' }), 'testOnly'));
    const ok = await run(wholePayload(ddccTest({ sampledAt: '2021-10-31T10:00:00Z' }), 'testOnly'));
    count(codes(bad).join() === 'KEY_USAGE_MISMATCH' && ok.failures.length === 0);
    expect(codes(bad)).toEqual(['KEY_USAGE_MISMATCH']);
    expect(ok.failures).toEqual([]);
  });

  it('a whole-payload DDCC issued after at (+5 min skew) → NOT_YET_VALID listed', async () => {
    const r = await run(wholePayload(ddccVaccinationSnake({ dose: 2, totalDoses: 2, date: '2021-12-01' })));
    count(codes(r).includes('NOT_YET_VALID'));
    expect(codes(r)).toContain('NOT_YET_VALID');
  });

  it('signature and kid failures of a DDCC are the HC1 ones: unknown kid → KID_UNKNOWN, wrong key under a known kid → SIGNATURE_INVALID', async () => {
    const doc = ddccVaccination({ dose: 2, date: '2021-08-01' });
    const claims = { iss: 'XA', iat: seconds('2021-09-01T00:00:00Z'), dcc: doc, hcertLabel: 3 };
    const unknown = await codeOf(run(issueHc1(claims, { alg: 'ES256', key: pki.stranger.privateKey, kid: pki.stranger.kid })));
    const forged = await codeOf(run(issueHc1(claims, { alg: 'ES256', key: pki.stranger.privateKey, kid: pki.ec.kid })));
    const forgedWhole = await codeOf(run(wrapHc1(signCose(cbor(doc), { alg: 'ES256', key: pki.stranger.privateKey, kid: pki.ec.kid }))));
    count(unknown === 'KID_UNKNOWN' && forged === 'SIGNATURE_INVALID' && forgedWhole === 'SIGNATURE_INVALID');
    expect([unknown, forged, forgedWhole]).toEqual(['KID_UNKNOWN', 'SIGNATURE_INVALID', 'SIGNATURE_INVALID']);
  });
});
