// Mapping validated DCCs onto the common model and the report's `certificate` block, with real
// payloads read in place from dgc-testdata (the `JSON` field, i.e. hcert −260/1).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { displayOf, toHealthCertificate } from '../../../src/formats/dcc/map.js';
import { validateDcc, type Dcc, type DccType } from '../../../src/formats/dcc/schema.js';

const repoRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const testdataDir = path.resolve(repoRoot, '../shared/vectors/dgc-testdata');
const present = existsSync(testdataDir);
if (!present) console.warn(`[dcc map tests] SKIPPED: vectors folder missing: ${testdataDir}`);

function payload(rel: string): Record<string, unknown> {
  const file = JSON.parse(readFileSync(path.join(testdataDir, rel), 'utf8').replace(/^\uFEFF/, '')) as {
    JSON: Record<string, unknown>;
  };
  return file.JSON;
}

function validated(p: unknown): { dcc: Dcc; type: DccType } {
  const r = validateDcc(p);
  if (!r.ok) throw new Error(`fixture does not validate: ${r.problems.join('; ')}`);
  return { dcc: r.dcc, type: r.type };
}

const iat = new Date('2021-06-01T00:00:00Z');
const exp = new Date('2022-06-01T00:00:00Z');

describe.skipIf(!present)('toHealthCertificate / displayOf with dgc-testdata payloads', () => {
  it('AT/1 vaccination: product code, display names, holder, claims', () => {
    const { dcc, type } = validated(payload('AT/2DCode/raw/1.json'));
    const cert = toHealthCertificate(dcc, type, { iss: 'AT', issuedAt: iat, expiresAt: exp }, 'EU_DCC');
    expect(cert).toEqual({
      format: 'EU_DCC',
      holder: {
        familyName: 'Musterfrau-Gößinger',
        givenName: 'Gabriele',
        familyNameStd: 'MUSTERFRAU<GOESSINGER',
        givenNameStd: 'GABRIELE',
        dateOfBirth: '1998-02-26',
      },
      evidence: {
        type: 'vaccination',
        disease: { code: '840539006', display: 'COVID-19' },
        country: { code: 'AT', display: 'Austria' },
        issuer: 'Ministry of Health, Austria',
        certificateId: 'URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B',
        product: { code: 'EU/1/20/1528', display: 'Comirnaty' },
        prophylaxis: { code: '1119349007', display: 'SARS-CoV-2 mRNA vaccine' },
        manufacturer: { code: 'ORG-100030215', display: 'Biontech Manufacturing GmbH' },
        doseNumber: 1,
        totalDoses: 2,
        date: '2021-02-18',
      },
      issuedAt: iat,
      expiresAt: exp,
      issuerCountry: 'AT',
    });
    expect(displayOf(cert)).toEqual({
      type: 'vaccination',
      disease: { code: '840539006', display: 'COVID-19' },
      vaccine: { code: '1119349007', display: 'SARS-CoV-2 mRNA vaccine' },
      product: { code: 'EU/1/20/1528', display: 'Comirnaty' },
      manufacturer: { code: 'ORG-100030215', display: 'Biontech Manufacturing GmbH' },
      dose: '1/2',
      doseNumber: 1,
      totalDoses: 2,
      date: '2021-02-18',
      country: 'AT',
      countryName: 'Austria',
      issuer: 'Ministry of Health, Austria',
      certificateId: 'URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B',
      issuerCountry: 'AT',
    });
  });

  it('AT/3 NAAT test: testType = tt, result = tr, sampledAt = sc, negative', () => {
    const { dcc, type } = validated(payload('AT/2DCode/raw/3.json'));
    const cert = toHealthCertificate(dcc, type, {}, 'EU_DCC');
    expect(cert.evidence).toMatchObject({
      type: 'test',
      testType: { code: 'LP6464-4', display: 'Nucleic acid amplification with probe detection' },
      testName: 'Roche LightCycler qPCR',
      sampledAt: '2021-02-20T12:34:56Z',
      result: { code: '260415000', display: 'Not detected' },
      positive: false,
      centre: 'Testing center Vienna 1',
    });
    expect(cert.evidence).not.toHaveProperty('manufacturer');
    // No CWT iss: the entry's country stands in.
    expect(cert.issuerCountry).toBe('AT');
    expect(cert).not.toHaveProperty('issuedAt');
  });

  it('AT/4 rapid test: manufacturer from the test-manf list', () => {
    const { dcc, type } = validated(payload('AT/2DCode/raw/4.json'));
    const cert = toHealthCertificate(dcc, type, { iss: 'AT' }, 'EU_DCC');
    expect(cert.evidence).toMatchObject({
      testType: { code: 'LP217198-3', display: 'Rapid immunoassay' },
      manufacturer: { code: '1232', display: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test' },
    });
    expect(displayOf(cert)).toMatchObject({ type: 'test', manufacturer: { code: '1232' }, positive: false });
  });

  it('FR DCC_Test_0003: tr 260373001 is positive', () => {
    const { dcc, type } = validated(payload('FR/2DCode/raw/DCC_Test_0003.json'));
    const cert = toHealthCertificate(dcc, type, { iss: 'FR' }, 'EU_DCC');
    expect(cert.evidence).toMatchObject({ type: 'test', result: { code: '260373001', display: 'Detected' }, positive: true });
  });

  it('AT/2 recovery: fr/df/du', () => {
    const { dcc, type } = validated(payload('AT/2DCode/raw/2.json'));
    const cert = toHealthCertificate(dcc, type, { iss: 'AT' }, 'EU_DCC');
    expect(cert.evidence).toEqual({
      type: 'recovery',
      disease: { code: '840539006', display: 'COVID-19' },
      country: { code: 'AT', display: 'Austria' },
      issuer: 'Ministry of Health, Austria',
      certificateId: 'URN:UVCI:01:AT:858CC18CFCF5965EF82F60E493349AA5#K',
      firstPositive: '2021-02-20',
      validFrom: '2021-04-04',
      validUntil: '2021-10-04',
    });
    expect(displayOf(cert)).toEqual({
      type: 'recovery',
      disease: { code: '840539006', display: 'COVID-19' },
      firstPositive: '2021-02-20',
      validFrom: '2021-04-04',
      validUntil: '2021-10-04',
      country: 'AT',
      countryName: 'Austria',
      issuer: 'Ministry of Health, Austria',
      certificateId: 'URN:UVCI:01:AT:858CC18CFCF5965EF82F60E493349AA5#K',
      issuerCountry: 'AT',
    });
  });

  it('PL 11 and SG/4: date-times in date fields become the issuer’s calendar day', () => {
    const pl = validated(payload('PL/1.3.0/2DCode/raw/11.json'));
    const v = toHealthCertificate(pl.dcc, pl.type, { iss: 'PL' }, 'EU_DCC').evidence;
    expect(v).toMatchObject({ type: 'vaccination', date: '2021-03-18', product: { code: 'EU/1/21/1529', display: 'Vaxzevria' } });
    const sg = validated(payload('SG/2DCode/raw/4.json'));
    const r = toHealthCertificate(sg.dcc, sg.type, { iss: 'SG' }, 'EU_DCC').evidence;
    expect(r).toMatchObject({ firstPositive: '2022-01-01', validFrom: '2022-01-08', validUntil: '2022-06-30' });
  });

  it('ES/401: strings are trimmed', () => {
    const raw = payload('ES/2DCode/raw/401.json');
    const names = Object.values(raw.nam as Record<string, string>);
    expect(names.some((n) => n !== n.trim())).toBe(true); // the fixture really has the space
    const { dcc, type } = validated(raw);
    const holder = toHealthCertificate(dcc, type, { iss: 'ES' }, 'EU_DCC').holder;
    for (const value of Object.values(holder)) expect(value).toBe(value?.trim());
  });

  it('AT/1 with a decomposed (NFD) family name maps to NFC', () => {
    const raw = payload('AT/2DCode/raw/1.json');
    const nam = raw.nam as Record<string, string>;
    const nfd = { ...raw, nam: { ...nam, fn: (nam.fn as string).normalize('NFD') } };
    expect(nfd.nam.fn).not.toBe(nam.fn);
    const { dcc, type } = validated(nfd);
    expect(toHealthCertificate(dcc, type, {}, 'EU_DCC').holder.familyName).toBe(nam.fn?.normalize('NFC'));
  });

  it('DIVOC-style empty vp/ma and an unknown mp: product kept as written, no display', () => {
    const raw = payload('AT/2DCode/raw/1.json');
    const entry = (raw.v as Record<string, unknown>[])[0];
    const { dcc, type } = validated({ ...raw, v: [{ ...entry, vp: '', ma: '', mp: 'Covaxin ' }] });
    const cert = toHealthCertificate(dcc, type, { iss: 'ID' }, 'WHO_DDCC');
    expect(cert.format).toBe('WHO_DDCC');
    expect(cert.evidence).toMatchObject({ product: { code: 'Covaxin' } });
    expect(cert.evidence).not.toHaveProperty('prophylaxis');
    expect(cert.evidence).not.toHaveProperty('manufacturer');
    expect(displayOf(cert)).toMatchObject({ product: { code: 'Covaxin' }, dose: '1/2' });
    expect(displayOf(cert)).not.toHaveProperty('vaccine');
  });

  it('BG/2 (null groups beside the real one) maps its real entry', () => {
    const { dcc, type } = validated(payload('BG/2DCode/raw/2.json'));
    expect(dcc).not.toHaveProperty('v');
    expect(dcc).not.toHaveProperty('t');
    const cert = toHealthCertificate(dcc, type, { iss: 'BG' }, 'EU_DCC');
    expect(cert.evidence.type).toBe(type);
  });

  it('the certificate block carries no holder data', () => {
    const { dcc, type } = validated(payload('AT/2DCode/raw/1.json'));
    const block = JSON.stringify(displayOf(toHealthCertificate(dcc, type, { iss: 'AT' }, 'EU_DCC')));
    expect(block).not.toMatch(/Musterfrau|GABRIELE|1998-02-26/);
  });

  it('UNHCR as co gets a display name', () => {
    const raw = payload('AT/2DCode/raw/2.json');
    const entry = (raw.r as Record<string, unknown>[])[0];
    const { dcc, type } = validated({ ...raw, ver: '1.3.3', r: [{ ...entry, co: 'UNHCR' }] });
    const cert = toHealthCertificate(dcc, type, {}, 'EU_DCC');
    expect(displayOf(cert)).toMatchObject({ country: 'UNHCR', countryName: 'Office of the United Nations High Commissioner for Refugees' });
  });
});
