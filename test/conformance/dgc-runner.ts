// Runs one dgc-testdata file through the real EU DCC adapter, at the file's VALIDATIONCLOCK,
// with the file's TESTCTX.CERTIFICATE as the only trusted signer, and reports per stage whether
// it passed, failed, or was not reached. The test compares these with the EXPECTED* flags.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { VerificationError, type ErrorCode } from '../../src/errors.js';
import { dccAdapter } from '../../src/formats/dcc/index.js';
import { signerFromCertificate } from '../../src/trust/signer.js';
import type { Signer, TrustResolver } from '../../src/trust/types.js';
import { verifyStaged } from '../helpers/stages.js';

export type Stage = 'UNPREFIX' | 'B45DECODE' | 'COMPRESSION' | 'DECODE' | 'VERIFY' | 'KEYUSAGE' | 'EXPIRATIONCHECK' | 'SCHEMAVALIDATION';
export const STAGES: readonly Stage[] = ['UNPREFIX', 'B45DECODE', 'COMPRESSION', 'DECODE', 'VERIFY', 'KEYUSAGE', 'EXPIRATIONCHECK', 'SCHEMAVALIDATION'];
/** Upstream flag spellings, misspellings included (vectors README). */
const FLAG_ALIASES: Record<string, Stage> = {
  EXPECTEDUNPREFIX: 'UNPREFIX',
  EXPECTEDB45DECODE: 'B45DECODE',
  EXPECTEDCOMPRESSION: 'COMPRESSION',
  EXPECTEDDECODE: 'DECODE',
  EXPECTEDVERIFY: 'VERIFY',
  EXPECTEDKEYUSAGE: 'KEYUSAGE',
  EXPECTEDEXPIRATIONCHECK: 'EXPIRATIONCHECK',
  EXPTECTEDEXPIRED: 'EXPIRATIONCHECK',
  EXPECTEDSCHEMAVALIDATION: 'SCHEMAVALIDATION',
};

/** Which stage a thrown code belongs to. */
const THROWN_STAGE: Partial<Record<ErrorCode, Stage>> = {
  UNSUPPORTED_FORMAT: 'UNPREFIX',
  BASE45_INVALID: 'B45DECODE',
  DECOMPRESSION_FAILED: 'COMPRESSION',
  CBOR_INVALID: 'DECODE',
  CWT_INVALID: 'DECODE',
  ALGORITHM_UNSUPPORTED: 'VERIFY',
  KID_UNKNOWN: 'VERIFY',
  SIGNATURE_INVALID: 'VERIFY',
};
/** Which stage a collected check belongs to. */
const CHECK_STAGE: Record<string, Stage> = {
  signature: 'VERIFY',
  signerValidity: 'VERIFY',
  keyUsage: 'KEYUSAGE',
  issuedAt: 'EXPIRATIONCHECK',
  expiry: 'EXPIRATIONCHECK',
  schema: 'SCHEMAVALIDATION',
};

export interface VectorFile {
  id: string;
  path: string;
  qr: string;
  clock: Date;
  certificateB64?: string;
  description?: string;
  expected: Partial<Record<Stage, boolean>>;
}

export type StageResult = 'pass' | 'fail' | 'unreached';

export interface RunResult {
  stages: Record<Stage, StageResult>;
  thrown?: ErrorCode;
  failures: ErrorCode[];
}

export function listVectorFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** VALIDATIONCLOCK without a zone is read as UTC (vectors README). */
export function parseClock(value: string): Date {
  const zoned = /([Zz]|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
  return new Date(zoned);
}

export function readVectorFile(root: string, path: string): VectorFile | undefined {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const flags = data.EXPECTEDRESULTS as Record<string, unknown> | undefined;
  const ctx = data.TESTCTX as Record<string, unknown> | undefined;
  if (!flags || !ctx || typeof data.PREFIX !== 'string') return undefined;
  const expected: Partial<Record<Stage, boolean>> = {};
  for (const [k, v] of Object.entries(flags)) {
    const stage = FLAG_ALIASES[k];
    if (stage && typeof v === 'boolean') expected[stage] = v;
  }
  return {
    id: relative(root, path).replace(/\\/g, '/').replace(/\.json$/, ''),
    path,
    qr: data.PREFIX,
    clock: parseClock(String(ctx.VALIDATIONCLOCK ?? '2021-06-01T00:00:00Z')),
    ...(typeof ctx.CERTIFICATE === 'string' && ctx.CERTIFICATE ? { certificateB64: ctx.CERTIFICATE } : {}),
    ...(typeof ctx.DESCRIPTION === 'string' ? { description: ctx.DESCRIPTION } : {}),
    expected,
  };
}

/** A resolver holding just the file's signer, under the kid recomputed from its certificate. */
export function resolverFor(file: VectorFile): TrustResolver {
  let signers: Signer[] = [];
  if (file.certificateB64) {
    try {
      signers = [signerFromCertificate(Buffer.from(file.certificateB64, 'base64'), { source: 'testctx' })];
    } catch {
      signers = [];
    }
  }
  return {
    dcc: (kid) => signers.filter((s) => s.kid === kid),
    shc: () => [],
    csca: () => [],
    divoc: () => [],
    revocation: () => ({ data: false }),
    sourceStale: () => false,
  };
}

export async function runVector(file: VectorFile): Promise<RunResult> {
  const stages = Object.fromEntries(STAGES.map((s) => [s, 'unreached'])) as Record<Stage, StageResult>;
  const passUpTo = (stage: Stage) => {
    for (const s of STAGES) {
      if (s === stage) break;
      stages[s] = 'pass';
    }
  };
  try {
    const result = await verifyStaged(dccAdapter, file.qr, { trust: resolverFor(file), at: file.clock, lang: 'en' });
    passUpTo('VERIFY');
    for (const check of result.checks) {
      const stage = CHECK_STAGE[check.name];
      if (!stage) continue;
      if (!check.passed) stages[stage] = 'fail';
      else if (stages[stage] === 'unreached') stages[stage] = 'pass';
    }
    return { stages, failures: result.failures.map((f) => f.code) };
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    // PAYLOAD_TOO_LARGE can come from zlib or CBOR; the detail tells which.
    const stage = err.code === 'PAYLOAD_TOO_LARGE' ? (err.detail?.includes('inflated') ? 'COMPRESSION' : 'DECODE') : THROWN_STAGE[err.code];
    if (!stage) throw err;
    passUpTo(stage);
    stages[stage] = 'fail';
    return { stages, thrown: err.code, failures: [err.code] };
  }
}
