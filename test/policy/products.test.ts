// Product recognition (issue #10 item 4): ICAO seals and SMART Health Cards name products in
// free text or other code systems, and the real Australian VDS-NC seal's "AstraZeneca
// Vaxzevria" was RED. Codes first, then the policy's alias table (as one name, or word by word).
//
// The brand texts below are not taken from the policy files (that would test the files against
// themselves): they are the Australian DFAT list of recognised vaccines as AU seals write them
// (manufacturer + brand), the AU sample seal in ../shared/vectors/icao-vds-nc, the EU value set
// vaccine-medicinal-product displays, and the ICD-11 / CVX displays of the WHO DDCC concept
// maps (WorldHealthOrganization/ddcc input/fsh/tx-cm-vaccine-covid19-cvx-to-icd11.fsh).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mapSeal } from '../../src/formats/icao/map.js';
import type { VdsNcSeal } from '../../src/formats/icao/seal.js';
import { mapShc } from '../../src/formats/shc/map.js';
import type { HealthCertificate } from '../../src/model.js';
import { evaluate, findProduct, findProductByWords, recogniseProduct } from '../../src/policy/evaluate.js';
import { loadPolicy, parsePolicy, PolicyError } from '../../src/policy/load.js';
import type { Policy } from '../../src/policy/schema.js';

const POLICIES = fileURLToPath(new URL('../../policies', import.meta.url));
const PROFILES = ['ID-2021-09', 'ID-2022-07', 'ENTRY-SE25-2022'] as const;
const load = (id: string): Policy => loadPolicy(path.join(POLICIES, `${id}.json`));
const DEFAULT = load('ID-2021-09');
const AU_SEAL = fileURLToPath(new URL('../../../shared/vectors/icao-vds-nc/apo-android/valid.json', import.meta.url));

/** Every WHO-EUL COVID-19 vaccine (and Sputnik V, in the policy) under the names issuers use. */
const BRANDS: [id: string, primaryDoses: number, names: string[]][] = [
  ['EU/1/20/1528', 2, ['Pfizer Comirnaty', 'Pfizer/BioNTech Comirnaty', 'Pfizer-BioNTech COVID-19 Vaccine', 'Comirnaty®', 'COVID-19 mRNA Vaccine BNT162b2', 'BioNTech Comirnaty Original/Omicron BA.4-5', 'comirnaty']],
  ['EU/1/20/1507', 2, ['Moderna Spikevax', 'COVID-19 Vaccine Moderna', 'Moderna COVID-19 Vaccine', 'Moderna Takeda', 'Spikevax bivalent Original/Omicron BA.1', 'SPIKEVAX']],
  ['EU/1/21/1529', 2, ['AstraZeneca Vaxzevria', 'COVID-19 Vaccine AstraZeneca', 'Oxford/AstraZeneca Vaxzevria', 'Vaxzevria', 'AZD1222']],
  ['Covishield', 2, ['AstraZeneca COVISHIELD', 'Covishield (ChAdOx1_nCoV-19)', 'COVISHIELD', 'Covishield®', 'Serum Institute of India Covishield', 'SII Covishield']],
  ['EU/1/20/1525', 1, ['Janssen-Cilag COVID Vaccine', 'COVID-19 Vaccine Janssen', 'Janssen COVID-19 Vaccine', 'Johnson & Johnson Janssen', 'Jcovden']],
  ['Convidecia', 1, ['CanSino Convidecia', 'CanSinoBIO Convidecia', 'Convidecia', 'Ad5-nCoV']],
  ['BBIBP-CorV', 2, ['Sinopharm BBIBP-CorV', 'Sinopharm (Beijing) BBIBP-CorV (Vero Cell)', 'Sinopharm BIBP COVID-19 vaccine', 'Covilo', 'BBIBP-CorV']],
  ['CoronaVac', 2, ['Sinovac Coronavac', 'Sinovac CoronaVac', 'CoronaVac®', 'Sinovac COVID-19 vaccine']],
  ['Covaxin', 2, ['Bharat Biotech Covaxin', 'Bharat Covaxin', 'COVAXIN', 'BBV152']],
  ['Covovax', 2, ['Covovax', 'Serum Institute of India Covovax', 'Novavax Covovax']],
  ['EU/1/21/1618', 2, ['Novavax/Biocelect Nuvaxovid', 'Novavax Nuvaxovid', 'Novavax COVID-19 vaccine', 'Nuvaxovid', 'NVX-CoV2373']],
  ['Sputnik-V', 2, ['Gamaleya Research Institute Sputnik V', 'Sputnik V', 'Gam-COVID-Vac']],
];
const CASES = BRANDS.flatMap(([id, doses, names]) => names.map((name) => [name, id, doses] as const));

/** Texts that name no product, or two: never guessed. */
const UNRECOGNISED = ['Sputnik Light', 'Gamaleya Sputnik Light', 'Gamaleya', 'Serum Institute of India', 'COVID-19 vaccine', 'SARS-CoV-2 Vaccine (Vero Cell), Inactivated', 'Pfizer Moderna', 'AstraZeneca Moderna Spikevax', 'Sinovac Sinopharm', 'Takeda', 'Valneva', '— ', 'Comirnaty '.repeat(40)];

const VACCINATED = '2021-09-01';
const AT = new Date('2021-10-15T00:00:00Z');

function icaoSeal(nam: string, doses: number): VdsNcSeal {
  const au = JSON.parse(readFileSync(AU_SEAL, 'utf8')) as { data: { msg: Record<string, unknown> } };
  const msg = {
    ...au.data.msg,
    ve: [{ des: 'XM68M6', dis: 'RA01.0', nam, vd: Array.from({ length: doses }, (_, i) => ({ ctr: 'AUS', dvc: i + 1 === doses ? VACCINATED : '2021-07-01', lot: 'L', seq: i + 1 })) }],
  };
  const empty = new Uint8Array();
  return { type: 'icao.vacc', issuingState: 'AUS', data: { hdr: { is: 'AUS', t: 'icao.vacc', v: 1 }, msg }, msg, alg: 'ES256', certificateDer: empty, signature: empty, signedBytes: empty };
}

function shcCard(display: string, doses: number): HealthCertificate {
  const immunization = (date: string) => ({
    resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [{ system: 'http://id.who.int/icd11/mms', code: 'XM68M6', display }] }, patient: { reference: 'resource:0' }, occurrenceDateTime: date },
  });
  const entry = [
    { fullUrl: 'resource:0', resource: { resourceType: 'Patient', name: [{ family: 'Citizen', given: ['John'] }], birthDate: '1990-01-01' } },
    ...Array.from({ length: doses }, (_, i) => immunization(i + 1 === doses ? VACCINATED : '2021-07-01')),
  ];
  const fhirBundle = { resourceType: 'Bundle', type: 'collection', entry };
  const vc = { type: ['https://smarthealth.cards#health-card', 'https://smarthealth.cards#immunization', 'https://smarthealth.cards#covid19'], credentialSubject: { fhirVersion: '4.0.1', fhirBundle } };
  const claims = { iss: 'https://issuer.example', nbf: Date.parse('2021-09-02') / 1000, vc, fhirBundle, types: vc.type };
  const mapped = mapShc({ claims, payload: { ...claims } });
  if (!mapped.ok) throw new Error(mapped.problems.join('; '));
  return mapped.certificate;
}

describe('regression: brand texts such as the AU seal\'s "AstraZeneca Vaxzevria" were VAX_PRODUCT_NOT_RECOGNISED (RED)', () => {
  it.each(PROFILES)('%s: every WHO-EUL product is recognised under every name in the list', (profile) => {
    const policy = load(profile);
    for (const [name, id] of CASES) expect(recogniseProduct(policy, { code: 'ICD11:XM68M6', display: name })?.id, name).toBe(id);
  });

  it.each(CASES)('ICAO VDS-NC seal naming "%s" (des XM68M6), complete primary series 44 days ago → %s, GREEN', (name, id, doses) => {
    const mapped = mapSeal(icaoSeal(name, doses));
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(recogniseProduct(DEFAULT, (mapped.certificate.evidence as { product: { code: string; display?: string } }).product)?.id).toBe(id);
    expect(evaluate(mapped.certificate, DEFAULT, AT, 'en')).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_COMPLETE'] });
  });

  it.each(CASES)('SMART Health Card naming "%s" (ICD-11 XM68M6 coding display) → %s, GREEN', (name, id, doses) => {
    const cert = shcCard(name, doses);
    expect(recogniseProduct(DEFAULT, (cert.evidence as { product: { code: string; display?: string } }).product)?.id).toBe(id);
    expect(evaluate(cert, DEFAULT, AT, 'en')).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_COMPLETE'] });
  });

  it('the real AU seal (../shared/vectors, latest dose "Moderna Spikevax" 2) maps to Spikevax and GREEN', () => {
    const au = JSON.parse(readFileSync(AU_SEAL, 'utf8')) as { data: { msg: Record<string, unknown> } };
    const empty = new Uint8Array();
    const mapped = mapSeal({ type: 'icao.vacc', issuingState: 'AUS', data: au.data, msg: au.data.msg, alg: 'ES256', certificateDer: empty, signature: empty, signedBytes: empty });
    expect(mapped.ok && evaluate(mapped.certificate, DEFAULT, new Date('2022-01-01T00:00:00Z'), 'en')).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_COMPLETE'] });
  });

  it.each(PROFILES)('%s: a text naming no product or two products is not recognised (no guess)', (profile) => {
    const policy = load(profile);
    for (const text of UNRECOGNISED) expect(recogniseProduct(policy, { code: 'ICD11:XM68M6', display: text }), text).toBeUndefined();
  });
});

describe('product codes come first (CVX as SHC issuers send them, ICD-11 as ICAO and WHO DDCC do)', () => {
  // CVX: CDC code set as listed in WorldHealthOrganization/ddcc input/fsh/tx-cs-cvx.fsh.
  it.each([
    ['CVX:207', 'EU/1/20/1507'], ['CVX:208', 'EU/1/20/1528'], ['CVX:217', 'EU/1/20/1528'], ['CVX:218', 'EU/1/20/1528'], ['CVX:219', 'EU/1/20/1528'],
    ['CVX:210', 'EU/1/21/1529'], ['CVX:211', 'EU/1/21/1618'], ['CVX:212', 'EU/1/20/1525'], ['CVX:502', 'Covaxin'], ['CVX:505', 'Sputnik-V'],
    ['CVX:506', 'Convidecia'], ['CVX:510', 'BBIBP-CorV'], ['CVX:511', 'CoronaVac'],
    ['ICD11:XM8NQ0', 'EU/1/20/1528'], ['ICD11:XM3DT5', 'EU/1/20/1507'], ['ICD11:XM4YL8', 'EU/1/21/1529'], ['ICD11:XM97T2', 'Covishield'],
    ['ICD11:XM6QV1', 'EU/1/20/1525'], ['ICD11:XM1AG7', 'Convidecia'], ['ICD11:XM8866', 'BBIBP-CorV'], ['ICD11:XM7HT3', 'CoronaVac'],
    ['ICD11:XM1G90', 'Covaxin'], ['ICD11:XM9T65', 'EU/1/21/1618'], ['ICD11:XM5ZJ4', 'Sputnik-V'],
  ])('%s → %s', (code, id) => {
    expect(recogniseProduct(DEFAULT, { code })?.id).toBe(id);
  });

  it('a product code wins over a display naming another product; generic codes (XM68M6, CVX 213, CVX 500) name none', () => {
    expect(recogniseProduct(DEFAULT, { code: 'CVX:207', display: 'AstraZeneca Vaxzevria' })?.id).toBe('EU/1/20/1507');
    for (const code of ['ICD11:XM68M6', 'CVX:213', 'CVX:500']) expect(recogniseProduct(DEFAULT, { code }), code).toBeUndefined();
  });

  it('codes and names ignore case, spaces and punctuation; a word run is read only from the name', () => {
    expect(findProduct(DEFAULT, ' cvx 208 ')?.id).toBe('EU/1/20/1528');
    expect(findProduct(DEFAULT, 'pfizer biontech')?.id).toBe('EU/1/20/1528');
    expect(findProduct(DEFAULT, 'AstraZeneca Vaxzevria')).toBeUndefined();
    expect(findProductByWords(DEFAULT, 'AstraZeneca Vaxzevria')?.id).toBe('EU/1/21/1529');
  });

  it('answers found and not-found codes alike when asked again, also after more distinct codes than findProduct remembers', () => {
    const asked = ['EU/1/20/1528', 'cvx 208', 'NOT-A-PRODUCT', 'EU/1/21/1529'];
    const first = asked.map((c) => findProduct(DEFAULT, c)?.id);
    expect(first).toEqual(['EU/1/20/1528', 'EU/1/20/1528', undefined, 'EU/1/21/1529']);
    for (let i = 0; i < 3_000; i++) expect(findProduct(DEFAULT, `junk-${i}`)).toBeUndefined();
    expect(asked.map((c) => findProduct(DEFAULT, c)?.id)).toEqual(first);
    expect(asked.map((c) => findProduct(DEFAULT, c)?.id)).toEqual(first);
    // A code too long to be remembered is still looked up, every time.
    const long = `EU/1/20/1528${' '.repeat(100)}`;
    expect(findProduct(DEFAULT, long)?.id).toBe('EU/1/20/1528');
    expect(findProduct(DEFAULT, long)?.id).toBe('EU/1/20/1528');
  });
});

describe('the alias table is data, checked at start-up', () => {
  const base = (): Record<string, unknown> => JSON.parse(readFileSync(path.join(POLICIES, 'ID-2021-09.json'), 'utf8')) as Record<string, unknown>;
  const errorOf = (edit: (p: Record<string, unknown>) => void): PolicyError => {
    const p = base();
    edit(p);
    try {
      parsePolicy(p, 'edited');
    } catch (err) {
      if (err instanceof PolicyError) return err;
      throw err;
    }
    throw new Error('the edited policy was accepted');
  };
  type Product = { id: string; aliases: string[] };
  const products = (p: Record<string, unknown>) => p.products as Product[];

  it('an alias that names another product once punctuation and case are ignored → refused', () => {
    const err = errorOf((p) => void products(p)[1]!.aliases.push('PFIZER BIONTECH'));
    expect(err.field).toMatch(/^products\[1\]\.aliases\[\d+\]$/);
    expect(err.reason).toMatch(/EU\/1\/20\/1528/);
  });

  it('a neutral word that is also an alias → refused; an alias of punctuation only → refused', () => {
    expect(errorOf((p) => void (p.productMatching as { neutralWords: string[] }).neutralWords.push('Pfizer')).field).toMatch(/^productMatching\.neutralWords\[\d+\]$/);
    expect(errorOf((p) => void products(p)[0]!.aliases.push('®')).field).toMatch(/^products\[0\]\.aliases\[\d+\]$/);
  });

  it('every profile carries the same product table and neutral words (one maintained list)', () => {
    const table = (p: Policy) => JSON.stringify({ products: p.products, matching: p.productMatching });
    for (const id of PROFILES) expect(table(load(id)), id).toBe(table(DEFAULT));
  });
});
