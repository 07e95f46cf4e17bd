// DIVOC faults are honest (issue #11 §3, contract "Faults are not verdicts"): a worker that
// overruns, dies or answers a processor failure, a full queue, a closed pool and a failing
// JSON-LD processor are VerificationFaults — never a report code. And the cost of a credential is
// bounded before anything is canonicalised (PAYLOAD_TOO_LARGE, the certificate's fault).
// Fixtures: the worker stubs below stand in for node:worker_threads; credentials come from the
// project's demo signer (their signatures do not matter here: every case stops before or at the
// canonicalisation).
import { EventEmitter } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import jsonld from 'jsonld';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VerificationError, VerificationFault } from '../../../src/errors.js';
import { createDivocAdapter } from '../../../src/formats/divoc/index.js';
import { divocQrText, signDivocCredential } from '../../../scripts/demo/sign-divoc.js';
import { COST_LIMITS } from '../../../src/formats/divoc/decode.js';
import { OffThreadVerifyData, type WorkerLike, type WorkerReply } from '../../../src/formats/divoc/off-thread.js';
import { createVerifyData } from '../../../src/formats/divoc/proof.js';
import { verifyText } from '../../../src/pipeline/verify.js';
import type { Signer, TrustResolver } from '../../../src/trust/types.js';

type Job = { id: number; credential: Record<string, unknown>; proof: Record<string, unknown> };
type Behaviour = (job: Job, w: StubWorker) => void;

/** A worker that does what `behave` says with each job it is given. */
class StubWorker extends EventEmitter implements WorkerLike {
  terminated = false;
  readonly jobs: Job[] = [];
  constructor(private readonly behave: Behaviour) {
    super();
  }
  postMessage(job: Job): void {
    this.jobs.push(job);
    this.behave(job, this);
  }
  reply(r: WorkerReply): void {
    if (!this.terminated) this.emit('message', r);
  }
  terminate(): Promise<number> {
    this.terminated = true;
    return Promise.resolve(1);
  }
}

const answers = (delayMs = 0): Behaviour => (job, w) => setTimeout(() => w.reply({ id: job.id, data: new Uint8Array([job.id]) }), delayMs);
const hangs: Behaviour = () => {};

/** A pool whose n-th spawned worker behaves as `behaviours[n]` (the last one repeats). */
function poolOf(behaviours: Behaviour[], opts: { workers?: number; queueLimit?: number; timeoutMs?: number } = {}) {
  const spawned: StubWorker[] = [];
  const pool = new OffThreadVerifyData({
    workers: 1,
    timeoutMs: 200,
    ...opts,
    spawn: () => {
      const w = new StubWorker(behaviours[Math.min(spawned.length, behaviours.length - 1)]!);
      spawned.push(w);
      return w;
    },
  });
  return { pool, spawned };
}

const job = (n: number) => [{ n }, { type: 'Ed25519Signature2018' }] as const;
type Settled<T> = { ok?: T; err?: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> => p.then((v) => ({ ok: v }), (e: unknown) => ({ err: e }));

function faultReason(outcome: { ok?: unknown; err?: unknown }): string {
  expect(outcome.err).toBeInstanceOf(VerificationFault);
  expect(outcome.err).not.toBeInstanceOf(VerificationError);
  return (outcome.err as VerificationFault).reason;
}

describe('OffThreadVerifyData: faults are VerificationFaults', () => {
  it('a job that overruns its deadline → VerificationFault WORKER_TIMEOUT, and its worker is ended', async () => {
    const { pool, spawned } = poolOf([hangs], { timeoutMs: 30 });
    expect(faultReason(await settle(pool.run(...job(1))))).toBe('WORKER_TIMEOUT');
    expect(spawned[0]!.terminated).toBe(true);
  });

  it('the deadline starts when a job runs, not when it is queued: three 60 ms jobs behind each other under a 100 ms deadline all succeed', async () => {
    const { pool, spawned } = poolOf([answers(60)], { timeoutMs: 100 });
    const results = await Promise.all([1, 2, 3].map((n) => pool.run(...job(n))));
    expect(results.map((r) => Array.from(r))).toEqual([[0], [1], [2]]);
    expect(spawned).toHaveLength(1);
  });

  it('a worker ended for overrunning fails only its own job: the queued jobs of other requests run on a fresh worker', async () => {
    const { pool, spawned } = poolOf([hangs, answers()], { timeoutMs: 30 });
    const [first, second, third] = await Promise.all([1, 2, 3].map((n) => settle(pool.run(...job(n)))));
    expect(faultReason(first!)).toBe('WORKER_TIMEOUT');
    expect(second).toEqual({ ok: new Uint8Array([1]) });
    expect(third).toEqual({ ok: new Uint8Array([2]) });
    expect(spawned).toHaveLength(2);
  });

  it('a worker that exits mid-job → VerificationFault WORKER_EXITED for that job; the queued job runs on a fresh worker', async () => {
    const { pool, spawned } = poolOf([(_job, w) => setTimeout(() => w.emit('exit', 1), 5), answers()]);
    const [first, second] = await Promise.all([1, 2].map((n) => settle(pool.run(...job(n)))));
    expect(faultReason(first!)).toBe('WORKER_EXITED');
    expect(second).toEqual({ ok: new Uint8Array([1]) });
    expect(spawned).toHaveLength(2);
  });

  it('a worker error event → VerificationFault WORKER_EXITED, never SIGNATURE_INVALID', async () => {
    const { pool } = poolOf([(_job, w) => setTimeout(() => w.emit('error', new Error('out of memory')), 5), answers()]);
    expect(faultReason(await settle(pool.run(...job(1))))).toBe('WORKER_EXITED');
  });

  it("a worker's processor-failure answer → VerificationFault with its reason; a verdict answer stays the certificate's code", async () => {
    const { pool } = poolOf([
      (j, w) => w.reply(j.id === 0 ? { id: j.id, fault: { reason: 'PROCESSOR_ERROR', detail: 'TypeError' } } : { id: j.id, verdict: { code: 'CBOR_INVALID', detail: 'x' } }),
    ]);
    expect(faultReason(await settle(pool.run(...job(1))))).toBe('PROCESSOR_ERROR');
    const verdict = await settle(pool.run(...job(2)));
    expect(verdict.err).toBeInstanceOf(VerificationError);
    expect((verdict.err as VerificationError).code).toBe('CBOR_INVALID');
  });

  it('a full queue → VerificationFault OVERLOADED at once; the accepted jobs still succeed', async () => {
    const { pool } = poolOf([answers(20)], { queueLimit: 2 });
    const accepted = [1, 2, 3].map((n) => pool.run(...job(n))); // one running, two waiting
    expect(faultReason(await settle(pool.run(...job(4))))).toBe('OVERLOADED');
    expect((await Promise.all(accepted)).length).toBe(3);
  });

  it('a pool closed with jobs in it → VerificationFault WORKER_CLOSED for each, and for later jobs', async () => {
    const { pool } = poolOf([hangs]);
    const pending = [1, 2].map((n) => settle(pool.run(...job(n))));
    await pool.close();
    for (const outcome of await Promise.all(pending)) expect(faultReason(outcome)).toBe('WORKER_CLOSED');
    expect(faultReason(await settle(pool.run(...job(3))))).toBe('WORKER_CLOSED');
  });

  it('a spawn that throws → VerificationFault WORKER_START_FAILED', async () => {
    const pool = new OffThreadVerifyData({ workers: 1, spawn: () => { throw new Error('EAGAIN'); } });
    expect(faultReason(await settle(pool.run(...job(1))))).toBe('WORKER_START_FAILED');
  });
});

// --- the adapter and the pipeline --------------------------------------------------------------

const ed = generateKeyPairSync('ed25519');
const signer: Signer = { kid: 'did:indonesia', keyId: 'did:indonesia', country: 'ID', source: 'test-divoc-keys', publicKey: ed.publicKey, keyType: 'Ed25519' };
const TRUST = {
  dcc: () => [],
  shc: () => [],
  csca: () => [],
  divoc: (id: string) => (id === 'did:indonesia' ? [signer] : []),
  revocation: () => ({ data: false }),
  sourceStale: () => false,
} as unknown as TrustResolver;
const AT = new Date('2021-11-01T00:00:00Z');

function credential(evidence = 1): Record<string, unknown> {
  const entry = { type: ['Vaccination'], vaccine: 'Sinovac', date: '2021-10-01T02:00:00.000Z', effectiveStart: '2021-10-01', effectiveUntil: '2021-10-01', dose: 2, totalDoses: 2, facility: { name: 'P', address: { addressCountry: 'ID' } } };
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://www.pedulilindungi.id/credentials/vaccination/v2'],
    type: ['VerifiableCredential', 'ProofOfVaccinationCredential'],
    credentialSubject: { type: 'Person', name: 'Budi Santoso', dob: '1985-04-12' },
    issuer: 'https://www.pedulilindungi.id/',
    issuanceDate: '2021-10-20T03:00:00.000Z',
    evidence: Array.from({ length: evidence }, () => structuredClone(entry)),
    nonTransferable: 'true',
  };
}
const signed = (vc: Record<string, unknown>) => signDivocCredential(vc, ed.privateKey, 'did:indonesia');

function pipeline(verifyData?: (c: Record<string, unknown>, p: Record<string, unknown>) => Promise<Uint8Array>) {
  const adapter = createDivocAdapter(verifyData ? { verifyData } : {});
  return (text: string) =>
    verifyText(text, { at: AT, lang: 'en' }, {
      adapters: [adapter],
      trust: () => TRUST,
      domestic: () => ({ status: 'GREEN', reasons: [], reasonTexts: [], validUntil: null, policy: 't@1' }) as never,
      policyRef: () => 't@1',
    });
}

afterEach(() => vi.restoreAllMocks());

describe('DIVOC faults through the pipeline are VerificationFaults, never a report', () => {
  it.each([
    ['timed out', new VerificationFault('WORKER_TIMEOUT', 'x')],
    ['exited', new VerificationFault('WORKER_EXITED', 'x')],
    ['overloaded', new VerificationFault('OVERLOADED', 'x')],
  ])('verifyData that %s → the pipeline rejects with that VerificationFault', async (_name, fault) => {
    const text = divocQrText(await signed(credential()));
    const verify = pipeline(() => Promise.reject(fault));
    await expect(verify(text)).rejects.toBe(fault);
  });

  it('a JSON-LD processor error (jsonld.canonize throws a TypeError) → VerificationFault PROCESSOR_ERROR, in the verify data and through the pipeline', async () => {
    const vc = await signed(credential());
    const { proof, ...unsigned } = vc;
    vi.spyOn(jsonld, 'canonize').mockRejectedValue(new TypeError('Cannot read properties of undefined'));
    const direct = await settle(createVerifyData(unsigned, proof as Record<string, unknown>));
    expect(faultReason(direct)).toBe('PROCESSOR_ERROR');
    const outcome = await settle(pipeline()(divocQrText(vc)));
    expect(faultReason(outcome)).toBe('PROCESSOR_ERROR');
  });

  it('the same credential without the injected fault → VALID (the stubs, not the credential, made the faults)', async () => {
    const { report } = await pipeline()(divocQrText(await signed(credential())));
    expect(report.outcome).toBe('VALID');
    expect(report.warnings.map((w) => w.code)).toContain('NO_EXPIRY');
  });
});

describe('the cost of a credential is bounded before canonicalising (PAYLOAD_TOO_LARGE)', () => {
  async function refusedUncanonicalised(vc: Record<string, unknown>): Promise<void> {
    // The proof is a well-formed one copied from a real signature: nothing here signs a hostile document.
    const proof = (await signed(credential())).proof;
    const canonize = vi.spyOn(jsonld, 'canonize');
    const verifyData = vi.fn(createVerifyData);
    const { report } = await pipeline(verifyData)(divocQrText({ ...vc, proof }));
    expect(report.outcome).toBe('INVALID');
    expect(report.errors.map((e) => e.code)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(verifyData).not.toHaveBeenCalled();
    expect(canonize).not.toHaveBeenCalled();
  }

  it('150 evidence entries (the issue #11 probe) → PAYLOAD_TOO_LARGE without canonicalising', async () => {
    await refusedUncanonicalised(credential(150));
  });

  it(`${COST_LIMITS.evidence + 1} evidence entries → PAYLOAD_TOO_LARGE; ${COST_LIMITS.evidence} are accepted`, async () => {
    await refusedUncanonicalised(credential(COST_LIMITS.evidence + 1));
    const { report } = await pipeline()(divocQrText(await signed(credential(COST_LIMITS.evidence))));
    expect(report.errors.map((e) => e.code)).not.toContain('PAYLOAD_TOO_LARGE');
  });

  it(`more than ${COST_LIMITS.terms} JSON terms (a long array of strings) → PAYLOAD_TOO_LARGE`, async () => {
    const vc = credential();
    (vc.credentialSubject as Record<string, unknown>).name = Array.from({ length: COST_LIMITS.terms }, (_, i) => `n${i}`);
    await refusedUncanonicalised(vc);
  });

  it(`more than ${COST_LIMITS.objects} JSON objects (blank nodes) in one entry → PAYLOAD_TOO_LARGE`, async () => {
    const vc = credential();
    (vc.credentialSubject as Record<string, unknown>).address = Array.from({ length: COST_LIMITS.objects }, () => ({ addressCountry: 'ID' }));
    await refusedUncanonicalised(vc);
  });

  it(`nesting deeper than ${COST_LIMITS.depth} → PAYLOAD_TOO_LARGE`, async () => {
    const vc = credential();
    let deep: unknown = 'x';
    for (let i = 0; i < COST_LIMITS.depth; i++) deep = [deep];
    (vc.credentialSubject as Record<string, unknown>).name = deep;
    await refusedUncanonicalised(vc);
  });
});
