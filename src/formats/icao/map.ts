// Seal content → the common certificate model. Field names from the ICAO VDS-NC TR health
// profile: proof of vaccination (`uvci`, `pid`, `ve[]{des, nam, dis, vd[]{dvc, seq, ctr, adm,
// lot}}`) and proof of testing (`utci`, `pid`, `sp{spn, ctr}`, `dat{sc, ri}`, `tr{tc, r, m}`).
import type { Coded, Evidence, HealthCertificate, Holder } from '../../model.js';
import { namedHolder } from '../shared.js';
import { toAlpha2 } from './countries.js';
import type { VdsNcSeal } from './seal.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const DATE = /^\d{4}(-\d{2}){0,2}$/;

/**
 * `pid.n` is the name as printed on the travel document: primary identifier (surname), two
 * spaces, secondary identifier (given names) — "CITIZEN  JOHN" in the AU sample, the MRZ `<<`.
 * Without a double space the whole name is the primary identifier.
 */
export function splitName(n: string): Holder {
  const at = n.indexOf('  ');
  const family = (at < 0 ? n : n.slice(0, at)).trim();
  const given = at < 0 ? '' : n.slice(at + 2).trim();
  return namedHolder(family, given);
}

function country(code: unknown): Coded | undefined {
  const c = str(code);
  if (!c) return undefined;
  return { code: toAlpha2(c) ?? c };
}

/** ICD-11 RA01 / RA01.0 is COVID-19; named with the EU value-set code so policies see one disease. */
function disease(dis: unknown): Coded | undefined {
  const d = str(dis);
  if (!d) return undefined;
  return /^RA01(\.0)?$/.test(d) ? { code: '840539006', display: 'COVID-19' } : { code: `ICD11:${d}` };
}

export type MapOutcome = { ok: true; certificate: HealthCertificate } | { ok: false; problems: string[] };

interface Dose {
  des: string;
  nam?: string;
  dis?: string;
  seq: number;
  dvc: string;
  ctr?: string;
}

function doses(msg: Record<string, unknown>, problems: string[]): Dose[] {
  const out: Dose[] = [];
  if (!Array.isArray(msg.ve) || msg.ve.length === 0) {
    problems.push('msg.ve must be a non-empty array');
    return out;
  }
  msg.ve.forEach((ve: unknown, i) => {
    if (!isRecord(ve) || !str(ve.des) || !Array.isArray(ve.vd) || ve.vd.length === 0) {
      problems.push(`ve[${i}] needs des and a non-empty vd`);
      return;
    }
    ve.vd.forEach((vd: unknown, j) => {
      if (!isRecord(vd) || !Number.isInteger(vd.seq) || (vd.seq as number) < 1 || typeof vd.dvc !== 'string' || !DATE.test(vd.dvc)) {
        problems.push(`ve[${i}].vd[${j}] needs seq ≥ 1 and dvc YYYY-MM-DD`);
        return;
      }
      out.push({
        des: ve.des as string,
        ...(str(ve.nam) ? { nam: ve.nam as string } : {}),
        ...(str(ve.dis) ? { dis: ve.dis as string } : {}),
        seq: vd.seq as number,
        dvc: vd.dvc,
        ...(str(vd.ctr) ? { ctr: vd.ctr as string } : {}),
      });
    });
  });
  return out;
}

/**
 * The model holds one evidence: the latest dose (highest `seq`, then latest date). The TR has
 * no total-doses field (domestic.md §2: the total comes from the product's primary doses), so
 * totalDoses = doseNumber: the policy then compares the count with the product's primary
 * doses (dn = sd ≥ primary → complete; above → booster; below → partial).
 */
function vaccination(msg: Record<string, unknown>, problems: string[]): Evidence | undefined {
  const all = doses(msg, problems);
  if (problems.length > 0 || all.length === 0) return undefined;
  const latest = all.reduce((a, b) => (b.seq > a.seq || (b.seq === a.seq && b.dvc > a.dvc) ? b : a));
  const dis = disease(latest.dis);
  const ctr = country(latest.ctr);
  return {
    type: 'vaccination',
    // ICD-11 code as the model normalises it; `nam` (brand) is the display because generic
    // codes such as XM68M6 ("COVID-19 vaccines") do not name the product.
    product: { code: `ICD11:${latest.des}`, ...(latest.nam ? { display: latest.nam } : {}) },
    doseNumber: latest.seq,
    totalDoses: latest.seq,
    seriesFromCount: true,
    date: latest.dvc.slice(0, 10),
    ...(dis ? { disease: dis } : {}),
    ...(ctr ? { country: ctr } : {}),
    ...(str(msg.uvci) ? { certificateId: msg.uvci as string } : {}),
  };
}

const TEST_TYPES: Record<string, Coded> = {
  'molecular(pcr)': { code: 'LP6464-4', display: 'Nucleic acid amplification with probe detection' },
  'molecular(other)': { code: 'LP6464-4', display: 'Nucleic acid amplification with probe detection' },
  antigen: { code: 'LP217198-3', display: 'Rapid immunoassay' },
};
const NEGATIVE = new Set(['negative', 'normal']);
const POSITIVE = new Set(['positive', 'abnormal']);

function test(msg: Record<string, unknown>, problems: string[]): Evidence | undefined {
  const tr = isRecord(msg.tr) ? msg.tr : undefined;
  const dat = isRecord(msg.dat) ? msg.dat : undefined;
  const tc = str(tr?.tc)?.toLowerCase();
  const r = str(tr?.r)?.toLowerCase();
  const sc = str(dat?.sc);
  if (!tc || !r || !sc || Number.isNaN(Date.parse(sc))) problems.push('test needs tr.tc, tr.r and dat.sc');
  if (r && !NEGATIVE.has(r) && !POSITIVE.has(r)) problems.push('tr.r is not a known result');
  if (problems.length > 0 || !tc || !r || !sc) return undefined;
  const positive = POSITIVE.has(r);
  const sp = isRecord(msg.sp) ? msg.sp : undefined;
  const ctr = country(sp?.ctr);
  return {
    type: 'test',
    // Unknown kinds (e.g. "antibody") keep their text so the policy reports TEST_TYPE_NOT_RECOGNISED.
    testType: TEST_TYPES[tc] ?? { code: `ICAO:${tc}` },
    sampledAt: sc,
    result: positive ? { code: '260373001', display: 'Detected' } : { code: '260415000', display: 'Not detected' },
    positive,
    ...(str(sp?.spn) ? { centre: sp!.spn as string } : {}),
    ...(ctr ? { country: ctr } : {}),
    ...(str(msg.utci) ? { certificateId: msg.utci as string } : {}),
    disease: { code: '840539006', display: 'COVID-19' },
  };
}

/** A proof of testing's `dat.ri` (report issuance time); a vaccination seal states none. */
export function sealIssuedAt(seal: VdsNcSeal): Date | undefined {
  const dat = isRecord(seal.msg.dat) ? seal.msg.dat : undefined;
  const ri = str(dat?.ri);
  return ri && !Number.isNaN(Date.parse(ri)) ? new Date(ri) : undefined;
}

export function mapSeal(seal: VdsNcSeal): MapOutcome {
  const problems: string[] = [];
  const pid = isRecord(seal.msg.pid) ? seal.msg.pid : undefined;
  const n = str(pid?.n);
  if (!n) problems.push('pid.n missing');
  const dob = str(pid?.dob);
  if (dob !== undefined && !DATE.test(dob)) problems.push('pid.dob is not YYYY[-MM[-DD]]');
  const evidence = seal.type === 'icao.vacc' ? vaccination(seal.msg, problems) : test(seal.msg, problems);
  if (problems.length > 0 || !evidence || !n) return { ok: false, problems };
  const holder: Holder = { ...splitName(n), ...(dob ? { dateOfBirth: dob } : {}) };
  const issuerCountry = toAlpha2(seal.issuingState) ?? seal.issuingState;
  const issuedAt = sealIssuedAt(seal);
  return {
    ok: true,
    certificate: {
      format: 'ICAO_VDS',
      holder,
      evidence,
      issuerCountry,
      ...(issuedAt ? { issuedAt } : {}),
      raw: seal.data,
    },
  };
}

/** Normalised fields for the report's `certificate` block (no personal data beyond the holder). */
export function displayOf(cert: HealthCertificate, seal: VdsNcSeal): Record<string, unknown> {
  const e = cert.evidence;
  const base: Record<string, unknown> = { type: e.type, issuerCountry: cert.issuerCountry, sealType: seal.type };
  if (e.certificateId) base.certificateId = e.certificateId;
  if (e.type === 'vaccination') {
    return { ...base, product: e.product, doseNumber: e.doseNumber, date: e.date, country: e.country?.code, disease: e.disease };
  }
  if (e.type === 'test') {
    return { ...base, testType: e.testType, result: e.result, sampledAt: e.sampledAt, centre: e.centre, country: e.country?.code };
  }
  return base;
}
