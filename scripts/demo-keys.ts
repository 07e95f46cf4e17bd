// npm run demo:keys — makes the demo PKI (a CSCA and DSCs of the made-up country XA), writes
// the trust lists the service loads by default, and signs the sample certificates under
// samples/. Private keys are NOT written anywhere: the samples are signed once, here.
// Run it again to renew everything (e.g. when the test samples' windows have passed).
// Besides the EU DCC list (demo/dsc.json, source local-demo) it writes one demo source per
// other format — an SHC issuer JWKS, an ICAO CSCA bundle (specimen state UTO/UT) and DIVOC
// issuer keys — and lists them in trust-lists/sources.json after local-demo.
// The WHO digital ICVP samples (icvp-*) are signed by a DSC of their own (vaccination EKU, under
// an ICVP CSCA of XA in demo/dsc.json). `npm run demo:keys -- --only-icvp` renews only those:
// the ICVP signer and samples are made again as of the existing samples' generatedAt, and every
// other key and sample stays as it is (their private keys are gone; renewing them changes them all).
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dgcgEntry, makeCsca, makeDsc, EKU, type DemoCertificate } from './demo/pki.js';
import { recovery, test, vaccination } from './demo/samples.js';
import {
  DEMO_SHC_ISS,
  ICAO_DEMO_STATE,
  ddccTest,
  ddccVaccination,
  ddccVaccinationSnake,
  divocCowin,
  divocPeduliLindungi,
  icaoVaccinationData,
  makeBsc,
  makeDivocKeys,
  makeShcIssuerKey,
  shcVaccinationCard,
} from './demo/formats.js';
import { divocQrText, signDivocCredential } from './demo/sign-divoc.js';
import { signVdsNc } from './demo/sign-icao.js';
import { signShcQr } from './demo/sign-shc.js';
import { cbor, cwtPayload, issueHc1, signCose, wrapHc1, type Hc1Claims } from './demo/sign-hc1.js';
import { decodeCbor, Tag } from '../src/formats/cbor.js';
import { dvcYellowFever } from './demo/icvp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DAY = 86_400;
const ONLY_ICVP = process.argv.includes('--only-icvp');
const indexFile = join(root, 'samples', 'index.json');
const now = ONLY_ICVP ? Math.floor(Date.parse((JSON.parse(readFileSync(indexFile, 'utf8')) as { generatedAt: string }).generatedAt) / 1000) : Math.floor(Date.now() / 1000);
const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const day = (s: number) => iso(s).slice(0, 10);

interface Sample {
  id: string;
  title: { en: string; id: string };
  expect: string;
  qr: string;
}

/** The ICVP demo signer (its own CSCA, a DSC with the vaccination EKU) and the digital-ICVP samples, as of `now`. */
async function makeIcvp(): Promise<{ entries: ReturnType<typeof dgcgEntry>[]; samples: Sample[] }> {
  const cscaIcvp = await makeCsca({ country: 'XA', name: 'Lintas Demo ICVP CSCA', notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z') });
  const dsc = await makeDsc(cscaIcvp, {
    country: 'XA', name: 'Lintas Demo DSC ICVP (vaccination)', eku: [EKU.vaccination],
    notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z'),
  });
  const at = iso(now);
  const qr = (doc: unknown) => issueHc1({ iss: 'XA', iat: now - 3600, exp: now + 365 * DAY, dcc: doc, hcertLabel: -6 }, { alg: 'ES256', key: dsc.privateKey, kid: dsc.kid });
  return {
    entries: [dgcgEntry(cscaIcvp, { country: 'XA', type: 'CSCA', timestamp: at }), dgcgEntry(dsc, { country: 'XA', type: 'DSC', timestamp: at })],
    samples: [
      { id: 'icvp-yellow-fever', title: { en: 'WHO digital ICVP: yellow fever (STAMARIL), vaccinated 400 days before', id: 'ICVP digital WHO: demam kuning (STAMARIL), divaksinasi 400 hari sebelumnya' }, expect: 'GREEN',
        qr: qr(dvcYellowFever({ date: day(now - 400 * DAY) })) },
      { id: 'icvp-yellow-fever-day-4', title: { en: 'WHO digital ICVP: yellow fever, vaccinated 4 days before (valid from day 10)', id: 'ICVP digital WHO: demam kuning, divaksinasi 4 hari sebelumnya (berlaku mulai hari ke-10)' },
        expect: 'YELLOW until 6 days after generation, then GREEN', qr: qr(dvcYellowFever({ date: day(now - 4 * DAY), batch: 'DEMO-YF-002' })) },
    ],
  };
}

if (ONLY_ICVP) {
  const icvp = await makeIcvp();
  const dscFile = join(root, 'trust-lists', 'demo', 'dsc.json');
  const isIcvp = (e: { rawData: string }) => new X509Certificate(Buffer.from(e.rawData, 'base64')).subject.includes('ICVP');
  const list = (JSON.parse(readFileSync(dscFile, 'utf8')) as { rawData: string }[]).filter((e) => !isIcvp(e));
  writeFileSync(dscFile, JSON.stringify([...list, ...icvp.entries], null, 2) + '\n');
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { generatedAt: string; samples: { id: string }[] };
  for (const s of icvp.samples) writeFileSync(join(root, 'samples', `${s.id}.txt`), s.qr + '\n');
  const kept = index.samples.filter((s) => !s.id.startsWith('icvp-'));
  const added = icvp.samples.map(({ qr: _qr, ...rest }) => ({ ...rest, file: `${rest.id}.txt` }));
  writeFileSync(indexFile, JSON.stringify({ generatedAt: index.generatedAt, samples: [...kept, ...added] }, null, 2) + '\n');
  console.log(`ICVP demo signer and ${added.length} samples written as of ${index.generatedAt}; other keys and samples unchanged`);
  process.exit(0);
}

const validity = { notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z') };
const csca = await makeCsca({ country: 'XA', name: 'Lintas Demo CSCA', ...validity });
const dscValidity = { notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') };
const dscEc = await makeDsc(csca, { country: 'XA', name: 'Lintas Demo DSC ES256', ...dscValidity });
const dscRsa = await makeDsc(csca, { country: 'XA', name: 'Lintas Demo DSC PS256', alg: 'PS256', ...dscValidity });
const dscTestOnly = await makeDsc(csca, { country: 'XA', name: 'Lintas Demo DSC tests only', eku: [EKU.test], ...dscValidity });
const icvp = await makeIcvp();

const entry = (cert: DemoCertificate, type: 'DSC' | 'CSCA') => dgcgEntry(cert, { country: 'XA', type, timestamp: iso(now) });

const demoDir = join(root, 'trust-lists', 'demo');
mkdirSync(demoDir, { recursive: true });
writeFileSync(join(demoDir, 'csca.pem'), csca.pem + '\n');
writeFileSync(
  join(demoDir, 'dsc.json'),
  JSON.stringify([entry(csca, 'CSCA'), entry(dscEc, 'DSC'), entry(dscRsa, 'DSC'), entry(dscTestOnly, 'DSC'), ...icvp.entries], null, 2) + '\n',
);

const sign = (claims: Hc1Claims, dsc: DemoCertificate = dscEc) =>
  issueHc1(claims, { alg: dsc === dscRsa ? 'PS256' : 'ES256', key: dsc.privateKey, kid: dsc.kid });
// Every sample's CWT lives a year, the test samples' too: their 72 h window is the policy's to
// judge, so past it they answer VALID and RED, as their `expect` says, instead of EXPIRED.
const base = { iss: 'XA', iat: now - 3600, exp: now + 365 * DAY };

function tampered(): string {
  const claims = { ...base, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-02' }) };
  const cose = decodeCbor(signCose(cwtPayload(claims), { alg: 'ES256', key: dscEc.privateKey, kid: dscEc.kid })) as Tag;
  const forged = vaccination({ dn: 2, sd: 2, dt: '2021-08-02' });
  forged.nam.gn = 'Budi';
  (cose.value as unknown[])[2] = Buffer.from(cwtPayload({ ...claims, dcc: forged }));
  return wrapHc1(cbor(cose));
}

const samples: Sample[] = [
  { id: 'vaccination-complete', title: { en: 'Vaccination 2/2 (Comirnaty)', id: 'Vaksinasi 2/2 (Comirnaty)' }, expect: 'GREEN',
    qr: sign({ ...base, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-02' }) }) },
  { id: 'vaccination-booster', title: { en: 'Booster 3/3', id: 'Booster 3/3' }, expect: 'GREEN',
    qr: sign({ ...base, dcc: vaccination({ dn: 3, sd: 3, dt: '2022-01-10' }) }) },
  { id: 'vaccination-partial', title: { en: 'Vaccination 1/2', id: 'Vaksinasi 1/2' }, expect: 'YELLOW',
    qr: sign({ ...base, dcc: vaccination({ dn: 1, sd: 2, dt: '2021-07-05' }) }) },
  { id: 'vaccination-rsa', title: { en: 'Vaccination 2/2, RSA-PSS signer', id: 'Vaksinasi 2/2, penanda tangan RSA-PSS' }, expect: 'GREEN',
    qr: sign({ ...base, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-09-01', mp: 'EU/1/20/1507' }) }, dscRsa) },
  { id: 'test-pcr-negative', title: { en: 'Negative PCR test (sampled at generation)', id: 'Tes PCR negatif (diambil saat dibuat)' }, expect: 'GREEN until 72 h after generation, then RED',
    qr: sign({ ...base, dcc: test({ tt: 'LP6464-4', tr: '260415000', sc: iso(now - 2 * 3600) }) }) },
  { id: 'test-positive', title: { en: 'Positive PCR test', id: 'Tes PCR positif' }, expect: 'BLACK for 10 days after generation, then RED',
    qr: sign({ ...base, dcc: test({ tt: 'LP6464-4', tr: '260373001', sc: iso(now - 2 * 3600) }) }) },
  { id: 'recovery', title: { en: 'Recovery', id: 'Pemulihan' }, expect: 'YELLOW for 60 days after generation, then RED',
    qr: sign({ ...base, dcc: recovery({ fr: day(now - 30 * DAY), df: day(now - 19 * DAY), du: day(now + 150 * DAY) }) }) },
  { id: 'expired', title: { en: 'Expired certificate', id: 'Sertifikat kedaluwarsa' }, expect: 'INVALID (EXPIRED)',
    qr: sign({ iss: 'XA', iat: now - 400 * DAY, exp: now - 35 * DAY, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-02' }) }) },
  { id: 'tampered', title: { en: 'Tampered (name changed after signing)', id: 'Dimanipulasi (nama diubah setelah ditandatangani)' }, expect: 'INVALID (SIGNATURE_INVALID)',
    qr: tampered() },
  { id: 'wrong-key-usage', title: { en: 'Vaccination signed by a tests-only signer', id: 'Vaksinasi ditandatangani penanda tangan khusus tes' }, expect: 'INVALID (KEY_USAGE_MISMATCH)',
    qr: sign({ ...base, dcc: vaccination({ dn: 2, sd: 2, dt: '2021-08-02' }) }, dscTestOnly) },
];

// --- the other formats' demo trust sources -------------------------------------------------

const shcKey = makeShcIssuerKey();
writeFileSync(join(demoDir, 'shc-jwks.json'), JSON.stringify({ keys: [shcKey.jwk] }, null, 2) + '\n');

// ICAO's specimen state Utopia (UTO → UT), so the seals name a three-letter state as real ones do.
const icaoCsca = await makeCsca({ country: ICAO_DEMO_STATE.alpha2, name: 'Lintas Demo ICAO CSCA', ...validity });
const icaoBsc = await makeBsc(icaoCsca, { country: ICAO_DEMO_STATE.alpha2, name: 'Lintas Demo BSC', ...dscValidity });
writeFileSync(join(demoDir, 'icao-csca.pem'), icaoCsca.pem + '\n');

const divocKeys = makeDivocKeys();
const DIVOC_ED25519_ID = 'did:lintas-demo:pedulilindungi';
const DIVOC_RSA_ID = 'did:lintas-demo:cowin';
writeFileSync(
  join(demoDir, 'divoc-keys.json'),
  JSON.stringify(
    {
      issuers: [
        { id: DIVOC_ED25519_ID, country: 'XA', publicKeyPem: divocKeys.ed25519.publicKeyPem },
        { id: DIVOC_RSA_ID, country: 'XA', publicKeyPem: divocKeys.rsa.publicKeyPem },
      ],
    },
    null,
    2,
  ) + '\n',
);

// sources.json: local-demo stays as it is; the demo sources of the other formats follow it
// (replaced when present, so running the script twice changes nothing else).
const DEMO_SOURCES = [
  { id: 'demo-shc', type: 'jwks', iss: DEMO_SHC_ISS, country: 'XA', file: 'demo/shc-jwks.json' },
  { id: 'demo-icao', type: 'icao-csca', file: 'demo/icao-csca.pem' },
  { id: 'demo-divoc', type: 'divoc-keys', file: 'demo/divoc-keys.json' },
];
const sourcesFile = join(root, 'trust-lists', 'sources.json');
const current = JSON.parse(readFileSync(sourcesFile, 'utf8')) as { sources: { id: string }[] };
const demoIds = new Set(DEMO_SOURCES.map((d) => d.id));
const kept = current.sources.filter((d) => !demoIds.has(d.id));
const after = kept.findIndex((d) => d.id === 'local-demo') + 1;
const sources = [...kept.slice(0, after), ...DEMO_SOURCES, ...kept.slice(after)];
const oneLine = (d: object) => `{ ${Object.entries(d).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
writeFileSync(sourcesFile, `{\n  "sources": [\n${sources.map((d) => `    ${oneLine(d)}`).join(',\n')}\n  ]\n}\n`);

// --- the other formats' samples (one valid sample of each, so the console lists every format) ---

const dose1 = day(now - 150 * DAY);
const dose2 = day(now - 120 * DAY);
const one = (texts: string[]): string => {
  if (texts.length !== 1) throw new Error('an SHC sample must fit one QR code');
  return texts[0]!;
};
const ddccWhole = ddccVaccinationSnake({ dose: 1, totalDoses: 2, date: dose2, brand: 'XM97T2', brandName: 'Covishield', hcid: 'DEMO-DDCC-REF-1' });

samples.push(
  { id: 'shc-vaccination', title: { en: 'SMART Health Card: 2 doses (Pfizer-BioNTech, CVX 208)', id: 'SMART Health Card: 2 dosis (Pfizer-BioNTech, CVX 208)' }, expect: 'GREEN',
    qr: one(signShcQr(shcVaccinationCard({ nbf: now - 3600, doses: [{ cvx: '208', date: dose1 }, { cvx: '208', date: dose2 }] }), shcKey.privateKey, { kid: shcKey.kid })) },
  { id: 'ddcc-vaccination', title: { en: 'WHO DDCC:VS 2/2 (Comirnaty), hcert −260/3', id: 'WHO DDCC:VS 2/2 (Comirnaty), hcert −260/3' }, expect: 'GREEN',
    qr: sign({ ...base, hcertLabel: 3, dcc: ddccVaccination({ dose: 2, totalDoses: 2, date: dose2, hcid: 'DEMO-DDCC-VS-1' }) }) },
  { id: 'ddcc-test-negative', title: { en: 'WHO DDCC:TR negative PCR (sampled at generation), hcert −260/4', id: 'WHO DDCC:TR PCR negatif (diambil saat dibuat), hcert −260/4' }, expect: 'GREEN until 72 h after generation, then RED',
    qr: sign({ ...base, hcertLabel: 4, dcc: ddccTest({ sampledAt: iso(now - 2 * 3600), hcid: 'DEMO-DDCC-TR-1' }) }) },
  { id: 'ddcc-whole-payload', title: { en: 'WHO DDCC 1/2 (Covishield), whole COSE payload as the WHO reference issues it', id: 'WHO DDCC 1/2 (Covishield), seluruh payload COSE seperti implementasi rujukan WHO' }, expect: 'YELLOW',
    qr: wrapHc1(signCose(cbor(ddccWhole), { alg: 'ES256', key: dscEc.privateKey, kid: dscEc.kid, kidUnprotected: true })) },
  { id: 'icao-vaccination', title: { en: 'ICAO VDS-NC seal: 2 doses (Covishield), specimen state UTO', id: 'Segel ICAO VDS-NC: 2 dosis (Covishield), negara contoh UTO' }, expect: 'GREEN',
    qr: signVdsNc(icaoVaccinationData({ uvci: 'DEMO0000001', doses: [{ des: 'XM97T2', nam: 'Covishield', dvc: dose1, seq: 1 }, { des: 'XM97T2', nam: 'Covishield', dvc: dose2, seq: 2 }] }), icaoBsc.privateKey, icaoBsc.der) },
  { id: 'divoc-pedulilindungi', title: { en: 'DIVOC, PeduliLindungi shape: CoronaVac 2/2 (Ed25519)', id: 'DIVOC, bentuk PeduliLindungi: CoronaVac 2/2 (Ed25519)' }, expect: 'GREEN',
    qr: divocQrText(await signDivocCredential(divocPeduliLindungi({ dose: 2, totalDoses: 2, date: dose2, issuanceDate: iso(now - 3600) }), divocKeys.ed25519.privateKey, DIVOC_ED25519_ID)) },
  { id: 'divoc-cowin', title: { en: 'DIVOC, CoWIN shape: Covishield 2/2 (RSA)', id: 'DIVOC, bentuk CoWIN: Covishield 2/2 (RSA)' }, expect: 'GREEN',
    qr: divocQrText(await signDivocCredential(divocCowin({ dose: 2, totalDoses: 2, date: dose2, issuanceDate: iso(now - 3600), effectiveUntil: dose2 }), divocKeys.rsa.privateKey, DIVOC_RSA_ID)) },
  ...icvp.samples,
);

const samplesDir = join(root, 'samples');
mkdirSync(samplesDir, { recursive: true });
for (const s of samples) writeFileSync(join(samplesDir, `${s.id}.txt`), s.qr + '\n');
writeFileSync(
  join(samplesDir, 'index.json'),
  JSON.stringify({ generatedAt: iso(now), samples: samples.map(({ qr: _qr, ...rest }) => ({ ...rest, file: `${rest.id}.txt` })) }, null, 2) + '\n',
);
console.log(`demo PKI and ${samples.length} samples written (signers: ${[dscEc, dscRsa, dscTestOnly].map((d) => Buffer.from(d.kid).toString('base64')).join(', ')})`);
