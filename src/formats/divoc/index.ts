// The DIVOC adapter (format DIVOC): QR text → ZIP → W3C VC → URDNA2015 + 2018-suite proof
// verified with a configured key (ctx.trust.divoc(verificationMethod)) → common model.
// JSON-LD contexts are pinned; nothing is fetched.
import { VerificationError } from '../../errors.js';
import type { Check } from '../../model.js';
import type { Signer } from '../../trust/types.js';
import type { AdapterResult, Finding, FormatAdapter, Notice, VerifyContext } from '../format.js';
import { decodeDivoc, detectDivoc } from './decode.js';
import { mapCredential } from './map.js';
import { checkJws, createVerifyData, parseDetachedJws, SUITES, type ProofAlg } from './proof.js';

export { signDivocCredential, divocQrText, type SignDivocOptions } from './sign.js';
export { decodeDivoc, detectDivoc } from './decode.js';
export { readCertificateJson, zipCertificateJson } from './zip.js';
export { pinnedDocumentLoader } from './canonical.js';
export { PINNED_CONTEXTS } from './contexts/index.js';

/** Contract: NOT_YET_VALID when issued after `at` plus 5 minutes of skew. */
const SKEW_MS = 5 * 60 * 1000;

function within(signer: Signer, moment: Date): boolean {
  const t = moment.getTime();
  return (!signer.notBefore || signer.notBefore.getTime() <= t) && (!signer.notAfter || t <= signer.notAfter.getTime());
}

const check = (name: string, ok: boolean, code: string): Check => (ok ? { name, passed: true } : { name, passed: false, code });

export interface DivocAdapterOptions {
  /** Where the proof's verify data is computed (default: here; src/formats/divoc/off-thread.ts moves it to a worker). */
  verifyData?: (credential: Record<string, unknown>, proof: Record<string, unknown>) => Promise<Uint8Array>;
}

export function createDivocAdapter(opts: DivocAdapterOptions = {}): FormatAdapter {
  const verifyDataOf = opts.verifyData ?? createVerifyData;
  return {
    format: 'DIVOC',
    detect: detectDivoc,
    async verify(text: string, ctx: VerifyContext): Promise<AdapterResult> {
      const { credential, proof } = decodeDivoc(text);
      const jws = parseDetachedJws(proof.jws);
      const alg: ProofAlg = SUITES[proof.type];
      if (jws.alg !== alg) throw new VerificationError('ALGORITHM_UNSUPPORTED', `${proof.type} requires ${alg}, JWS says ${jws.alg}`);
      const candidates = ctx.trust.divoc(proof.verificationMethod);
      if (candidates.length === 0) throw new VerificationError('KID_UNKNOWN', 'verificationMethod is not a configured DIVOC issuer key');

      const verifyData = await verifyDataOf(credential, proof);
      let signer: Signer | undefined;
      let fitting = 0;
      for (const candidate of candidates) {
        const outcome = checkJws(alg, candidate.publicKey, jws.encodedHeader, verifyData, jws.signature);
        if (outcome === 'VALID') {
          signer = candidate;
          break;
        }
        if (outcome === 'INVALID') fitting++;
      }
      if (!signer) {
        if (fitting === 0) throw new VerificationError('ALGORITHM_UNSUPPORTED', `${alg} does not match the configured key type`);
        throw new VerificationError('SIGNATURE_INVALID', 'proof does not verify with the configured key');
      }

      const failures: Finding[] = [];
      const warnings: Notice[] = [];
      const checks: Check[] = [{ name: 'signature', passed: true }];
      const mapped = mapCredential(credential, signer.country);
      const issuedAt = mapped.ok ? mapped.value.certificate.issuedAt : undefined;

      const signerOk = within(signer, ctx.at) && (!issuedAt || within(signer, issuedAt));
      if (!signerOk) failures.push({ code: 'SIGNER_NOT_VALID', detail: 'issuer key not valid at issuance or at the checking moment' });
      checks.push(check('signerValidity', signerOk, 'SIGNER_NOT_VALID'));

      const result: AdapterResult = {
        signer: { kid: proof.verificationMethod, country: signer.country, algorithm: alg, source: signer.source, ...(signer.subject ? { subject: signer.subject } : {}) },
        failures,
        warnings,
        checks,
      };
      checks.push(check('schema', mapped.ok, 'SCHEMA_INVALID'));
      if (!mapped.ok) {
        failures.push({ code: 'SCHEMA_INVALID', detail: mapped.problems.slice(0, 5).join('; ') });
        return result;
      }
      const { certificate, display, expiresAt } = mapped.value;
      if (issuedAt) {
        result.issuedAt = issuedAt;
        const notYet = issuedAt.getTime() > ctx.at.getTime() + SKEW_MS;
        if (notYet) failures.push({ code: 'NOT_YET_VALID', detail: 'issuanceDate is after the checking moment' });
        checks.push(check('issuedAt', !notYet, 'NOT_YET_VALID'));
      }
      if (expiresAt) {
        result.expiresAt = expiresAt;
        const expired = expiresAt.getTime() < ctx.at.getTime();
        if (expired) failures.push({ code: 'EXPIRED', detail: 'expirationDate/effectiveUntil is before the checking moment' });
        checks.push(check('expiry', !expired, 'EXPIRED'));
      } else warnings.push({ code: 'NO_EXPIRY' });
      return { ...result, certificate, holder: certificate.holder, display };
    },
  };
}

export const divocAdapter: FormatAdapter = createDivocAdapter();
