// Demo and test payloads of the formats beyond the EU DCC — SMART Health Cards, WHO DDCC,
// ICAO VDS-NC and DIVOC — plus the keys that sign them. Names are invented; codes are real
// (CVX, ICD-11, LOINC, SNOMED). Used by `npm run demo:keys` and the HTTP tests; never loaded
// by the service itself, and no private key leaves the process that made it.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { VDS_NC_EKU } from '../../src/pipeline/validate.js';
import type { VdsNcData } from './sign-icao.js';
import { makeDsc, type DemoCertificate } from './pki.js';
import { DEMO_HOLDER } from './samples.js';

// --- SMART Health Cards ------------------------------------------------------------------

export const DEMO_SHC_ISS = 'https://demo.lintas.example/shc';

export interface ShcIssuerKey {
  privateKey: KeyObject;
  /** RFC 7638 thumbprint: the JWK kid the SHC spec requires. */
  kid: string;
  /** Public JWK as a `jwks` trust source lists it (no `d`). */
  jwk: { kty: string; crv: string; x: string; y: string; kid: string; use: 'sig'; alg: 'ES256' };
}

/** A fresh P-256 issuer key for SMART Health Cards. */
export function makeShcIssuerKey(): ShcIssuerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
  // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
  const kid = createHash('sha256').update(JSON.stringify({ crv: pub.crv, kty: pub.kty, x: pub.x, y: pub.y })).digest('base64url');
  return { privateKey, kid, jwk: { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y, kid, use: 'sig', alg: 'ES256' } };
}

export interface ShcDose {
  /** CDC CVX code, e.g. 208 Pfizer-BioNTech, 207 Moderna, 212 Janssen. */
  cvx: string;
  date: string;
  lot?: string;
}

const PATIENT = {
  resourceType: 'Patient',
  name: [{ family: DEMO_HOLDER.nam.fn, given: DEMO_HOLDER.nam.gn.split(' ') }],
  birthDate: DEMO_HOLDER.dob,
};

/**
 * JWS claims of a COVID-19 immunization card (SMART Health Cards Vaccination & Testing IG):
 * `{iss, nbf, vc: {type, credentialSubject: {fhirVersion, fhirBundle}}}`, one Immunization per dose.
 */
export function shcVaccinationCard(opts: { doses: ShcDose[]; nbf: number; exp?: number; iss?: string }): Record<string, unknown> {
  const entry: Record<string, unknown>[] = [{ fullUrl: 'resource:0', resource: PATIENT }];
  opts.doses.forEach((d, i) => {
    entry.push({
      fullUrl: `resource:${i + 1}`,
      resource: {
        resourceType: 'Immunization',
        status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: d.cvx }] },
        patient: { reference: 'resource:0' },
        occurrenceDateTime: d.date,
        performer: [{ actor: { display: 'Lintas Demo Clinic' } }],
        lotNumber: d.lot ?? `DEMO${i + 1}`,
      },
    });
  });
  return {
    iss: opts.iss ?? DEMO_SHC_ISS,
    nbf: opts.nbf,
    ...(opts.exp !== undefined ? { exp: opts.exp } : {}),
    vc: {
      type: ['https://smarthealth.cards#health-card', 'https://smarthealth.cards#immunization', 'https://smarthealth.cards#covid19'],
      credentialSubject: { fhirVersion: '4.0.1', fhirBundle: { resourceType: 'Bundle', type: 'collection', entry } },
    },
  };
}

// --- WHO DDCC ----------------------------------------------------------------------------

const ICD11 = 'http://id.who.int/icd11/mms';
/** One name string, as the WHO logical model holds it. */
export const DDCC_HOLDER_NAME = `${DEMO_HOLDER.nam.gn} ${DEMO_HOLDER.nam.fn}`;

/**
 * DDCC:VS (WHO logical model, camelCase) for hcert −260/3. `brand` is the ICD-11 code of the
 * product (XM8NQ0 Comirnaty, XM97T2 Covishield, XM7HT3 CoronaVac, …); `vaccine` is the generic XM68M6.
 */
export function ddccVaccination(opts: { dose: number; totalDoses?: number; date: string; brand?: string; brandName?: string; country?: string; hcid?: string }) {
  return {
    name: DDCC_HOLDER_NAME,
    birthDate: DEMO_HOLDER.dob,
    sex: 'female',
    hcid: opts.hcid ?? `DEMO-DDCC-VS-${opts.dose}-${opts.date}`,
    vaccine: { system: ICD11, code: 'XM68M6', display: 'COVID-19 vaccines' },
    brand: { system: ICD11, code: opts.brand ?? 'XM8NQ0', display: opts.brandName ?? 'Comirnaty' },
    manufacturer: { system: 'http://worldhealthorganization.github.io/ddcc/CodeSystem/DDCC-Example-Test-CodeSystem', code: 'TEST', display: 'Demo manufacturer' },
    disease: { system: ICD11, code: 'RA01.0', display: 'COVID-19' },
    date: opts.date,
    dose: opts.dose,
    ...(opts.totalDoses !== undefined ? { totalDoses: opts.totalDoses } : {}),
    country: { system: 'urn:iso:std:iso:3166', code: opts.country ?? 'XA' },
    centre: 'Lintas Demo Vaccination Centre',
    certificate: {
      issuer: { identifier: { value: 'Lintas Demo Health Authority' } },
      period: { start: opts.date, end: '2031-01-01' },
      version: 'RC-2-draft',
    },
  };
}

/** The same document with the snake_case keys of the WHO reference implementation's QR codes. */
export function ddccVaccinationSnake(opts: Parameters<typeof ddccVaccination>[0]) {
  const { birthDate, totalDoses, ...rest } = ddccVaccination(opts);
  return { ...rest, birth_date: birthDate, ...(totalDoses !== undefined ? { total_doses: totalDoses } : {}), valid_from: opts.date };
}

/** DDCC:TR (test result) for hcert −260/4: LOINC test type, SNOMED result. */
export function ddccTest(opts: { sampledAt: string; type?: 'LP6464-4' | 'LP217198-3'; positive?: boolean; hcid?: string }) {
  return {
    name: DDCC_HOLDER_NAME,
    birthDate: DEMO_HOLDER.dob,
    hcid: opts.hcid ?? `DEMO-DDCC-TR-${opts.sampledAt.slice(0, 10)}`,
    country: { system: 'urn:iso:std:iso:3166', code: 'XA' },
    test: {
      pathogen: { system: ICD11, code: 'XN109', display: 'SARS-CoV-2' },
      type: { system: 'http://loinc.org', code: opts.type ?? 'LP6464-4', display: opts.type === 'LP217198-3' ? 'Rapid immunoassay' : 'Nucleic acid amplification with probe detection' },
      date: opts.sampledAt,
      result: opts.positive ? { system: 'http://snomed.info/sct', code: '260373001', display: 'Detected' } : { system: 'http://snomed.info/sct', code: '260415000', display: 'Not detected' },
      centre: 'Lintas Demo Test Centre',
      country: { system: 'urn:iso:std:iso:3166', code: 'XA' },
    },
  };
}

// --- ICAO VDS-NC -------------------------------------------------------------------------

/** ICAO's specimen state "Utopia": Doc 9303 code UTO, alpha-2 UT in the seal's country table. */
export const ICAO_DEMO_STATE = { alpha3: 'UTO', alpha2: 'UT' } as const;

/** A barcode signer certificate (BSC) with the VDS-NC extended key usage, issued by `csca`. */
export function makeBsc(csca: DemoCertificate, opts: { country: string; name: string; notBefore: Date; notAfter: Date }): Promise<DemoCertificate> {
  return makeDsc(csca, { ...opts, eku: [VDS_NC_EKU] });
}

export interface IcaoDose {
  /** ICD-11 product code (XM97T2 Covishield, XM8NQ0 Comirnaty, …). */
  des: string;
  nam: string;
  dvc: string;
  seq: number;
}

/** `data` of a proof-of-vaccination seal (ICAO VDS-NC TR health profile, type icao.vacc). */
export function icaoVaccinationData(opts: { doses: IcaoDose[]; state?: string; uvci?: string }): VdsNcData {
  const state = opts.state ?? ICAO_DEMO_STATE.alpha3;
  return {
    hdr: { t: 'icao.vacc', v: 1, is: state },
    msg: {
      uvci: opts.uvci ?? 'DEMO0000001',
      pid: { n: `${DEMO_HOLDER.nam.fnt.replace(/</g, ' ')}  ${DEMO_HOLDER.nam.gnt.replace(/</g, ' ')}`, dob: DEMO_HOLDER.dob, sex: 'F', i: 'X0000000' },
      ve: opts.doses.map((d) => ({
        des: d.des,
        nam: d.nam,
        dis: 'RA01.0',
        vd: [{ dvc: d.dvc, seq: d.seq, ctr: state, adm: 'Lintas Demo Clinic', lot: `LOT${d.seq}` }],
      })),
    },
  };
}

// --- DIVOC -------------------------------------------------------------------------------

/** Fresh DIVOC issuer keys: Ed25519 (Ed25519Signature2018) and RSA-2048 (RsaSignature2018). */
export function makeDivocKeys(): { ed25519: { privateKey: KeyObject; publicKeyPem: string }; rsa: { privateKey: KeyObject; publicKeyPem: string } } {
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
  return {
    ed25519: { privateKey: ed.privateKey, publicKeyPem: pem(ed.publicKey) },
    rsa: { privateKey: rsa.privateKey, publicKeyPem: pem(rsa.publicKey) },
  };
}

/**
 * A credential in the shape of the Indonesian PeduliLindungi DIVOC certificate
 * (anchors-mission §2.5 (k): issuer pedulilindungi.id, context …/vaccination/v2, dob, Ed25519).
 */
export function divocPeduliLindungi(opts: { dose: number; totalDoses: number; date: string; issuanceDate: string; vaccine?: string; icd11Code?: string; name?: string; dob?: string }) {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://www.pedulilindungi.id/credentials/vaccination/v2'],
    type: ['VerifiableCredential', 'ProofOfVaccinationCredential'],
    credentialSubject: {
      type: 'Person',
      id: 'did:nik:0000000000000000',
      name: opts.name ?? `${DEMO_HOLDER.nam.gn} ${DEMO_HOLDER.nam.fn}`,
      gender: 'Female',
      dob: opts.dob ?? DEMO_HOLDER.dob,
      nationality: 'Indonesia',
    },
    issuer: 'https://www.pedulilindungi.id/',
    issuanceDate: opts.issuanceDate,
    evidence: [
      {
        id: 'https://www.pedulilindungi.id/vaccine/0000001',
        certificateId: '0000001',
        type: ['Vaccination'],
        batch: 'DEMO-A1',
        vaccine: opts.vaccine ?? 'Sinovac',
        manufacturer: 'Sinovac Life Sciences',
        icd11Code: opts.icd11Code ?? 'XM7HT3',
        prophylaxis: 'COVID-19 vaccine, inactivated virus',
        date: `${opts.date}T02:00:00.000Z`,
        // As PeduliLindungi and CoWIN issue them: effectiveStart = effectiveUntil = the vaccination date.
        effectiveStart: opts.date,
        effectiveUntil: opts.date,
        dose: opts.dose,
        totalDoses: opts.totalDoses,
        facility: { name: 'Puskesmas Demo', address: { addressCountry: 'ID' } },
      },
    ],
    nonTransferable: 'true',
  };
}

/** A credential in the shape of the Indian CoWIN certificate (context cowin v1, age only, RsaSignature2018). */
export function divocCowin(opts: { dose: number; totalDoses: number; date: string; issuanceDate: string; effectiveUntil?: string; vaccine?: string }) {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://cowin.gov.in/credentials/vaccination/v1'],
    type: ['VerifiableCredential', 'ProofOfVaccinationCredential'],
    credentialSubject: {
      type: 'Person',
      id: 'did:Passport:Z0000000',
      refId: '00001',
      name: 'Bhaskar Rao',
      gender: 'Male',
      age: '27',
      nationality: 'Indian',
      address: { streetAddress: '', streetAddress2: '', district: 'Pune', city: '', addressRegion: 'Maharashtra', addressCountry: 'IN', postalCode: '411001' },
    },
    issuer: 'https://cowin.gov.in/',
    issuanceDate: opts.issuanceDate,
    evidence: [
      {
        id: 'https://cowin.gov.in/vaccine/000000001',
        feedbackUrl: 'https://cowin.gov.in/?000000001',
        infoUrl: 'https://cowin.gov.in/?000000001',
        certificateId: '000000001',
        type: ['Vaccination'],
        batch: 'DEMO025',
        vaccine: opts.vaccine ?? 'COVISHIELD',
        manufacturer: 'Serum Institute of India',
        date: `${opts.date}T05:30:00.000Z`,
        effectiveStart: opts.date,
        effectiveUntil: opts.effectiveUntil ?? opts.date,
        dose: opts.dose,
        totalDoses: opts.totalDoses,
        verifier: { name: 'Demo Vaccinator' },
        facility: { name: 'Demo Health Centre', address: { streetAddress: '', district: 'Pune', addressRegion: 'Maharashtra', addressCountry: 'IN', postalCode: '' } },
      },
    ],
    nonTransferable: 'true',
  };
}
