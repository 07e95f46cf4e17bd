// The DIVOC adapter (format DIVOC): QR text → ZIP → W3C VC (decode) → URDNA2015 + 2018-suite
// proof verified with a configured key, trust.divoc(verificationMethod) (verifySignature) →
// common model. JSON-LD contexts are pinned; nothing is fetched. The canonicalisation may run
// in a worker (off-thread.ts): its faults are VerificationFaults, never verdicts.
import { VerificationError } from '../../errors.js';
import type { Signer, TrustResolver } from '../../trust/types.js';
import type { Claims, Decoded, FormatAdapter, Mapped, VerifiedSigner } from '../format.js';
import { decodeDivoc, detectDivoc, type DecodedDivoc } from './decode.js';
import { mapCredential, untilInstant } from './map.js';
import { checkJws, createVerifyData, parseDetachedJws, SUITES, type ProofAlg } from './proof.js';

export { decodeDivoc, detectDivoc } from './decode.js';
export { readCertificateJson, zipCertificateJson } from './zip.js';
export { pinnedDocumentLoader } from './canonical.js';
export { PINNED_CONTEXTS } from './contexts/index.js';

export interface DivocAdapterOptions {
  /** Where the proof's verify data is computed (default: here; src/formats/divoc/off-thread.ts moves it to a worker). */
  verifyData?: (credential: Record<string, unknown>, proof: Record<string, unknown>) => Promise<Uint8Array>;
}

const instant = (v: unknown): Date | undefined => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : undefined);

function expiryOf(v: unknown): Date | undefined {
  if (typeof v !== 'string') return undefined;
  const until = untilInstant(v);
  return Number.isNaN(until.getTime()) ? undefined : until;
}

export function createDivocAdapter(opts: DivocAdapterOptions = {}): FormatAdapter<DecodedDivoc> {
  const verifyDataOf = opts.verifyData ?? createVerifyData;
  return {
    format: 'DIVOC',
    detect: detectDivoc,
    decode: (text: string): Decoded<DecodedDivoc> => ({ format: 'DIVOC', data: decodeDivoc(text), warnings: [] }),
    async verifySignature({ credential, proof }: DecodedDivoc, trust: TrustResolver): Promise<VerifiedSigner> {
      const jws = parseDetachedJws(proof.jws);
      const alg: ProofAlg = SUITES[proof.type];
      if (jws.alg !== alg) throw new VerificationError('ALGORITHM_UNSUPPORTED', `${proof.type} requires ${alg}, JWS says ${jws.alg}`);
      const candidates = trust.divoc(proof.verificationMethod);
      if (candidates.length === 0) throw new VerificationError('KID_UNKNOWN', 'verificationMethod is not a configured DIVOC issuer key');

      const verifyData = await verifyDataOf(credential, proof);
      let signer: Signer | undefined;
      let fitting = 0;
      for (const candidate of candidates) {
        const outcome = await checkJws(alg, candidate.publicKey, jws, verifyData);
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
      const known = signer.notBefore !== undefined || signer.notAfter !== undefined;
      return {
        signer,
        summary: { kid: proof.verificationMethod, country: signer.country, algorithm: alg, source: signer.source, ...(signer.subject ? { subject: signer.subject } : {}) },
        ...(known ? { validity: { ...(signer.notBefore ? { notBefore: signer.notBefore } : {}), ...(signer.notAfter ? { notAfter: signer.notAfter } : {}) } } : {}),
        keyUsage: { scheme: 'none' },
      };
    },
    claims({ credential }: DecodedDivoc): Claims {
      // evidence[].effectiveUntil is not an expiry (issue #10: real CoWIN and PeduliLindungi
      // credentials set it to the vaccination date); only the VC's own expirationDate is.
      const issuedAt = instant(credential.issuanceDate);
      const expiresAt = expiryOf(credential.expirationDate);
      return {
        ...(issuedAt ? { issuedAt } : {}),
        ...(expiresAt ? { expiresAt } : {}),
        type: 'vaccination',
        revocation: { kind: 'none' },
      };
    },
    map({ credential }: DecodedDivoc, { signer }: VerifiedSigner): Mapped {
      const mapped = mapCredential(credential, signer.country);
      return mapped.ok ? { ok: true, certificate: mapped.value.certificate, display: mapped.value.display } : mapped;
    },
  };
}

export const divocAdapter: FormatAdapter<DecodedDivoc> = createDivocAdapter();
