// URDNA2015 (= RDFC-1.0) canonical N-Quads of a DIVOC JSON-LD document through the shared pinned
// loader (src/jsonld/pinned.ts): only the contexts in ./contexts are ever used, in jsonld's safe
// mode. What the document did wrong becomes the certificate's verdict; what the processor did
// wrong stays a VerificationFault (contract "Faults are not verdicts").
import { VerificationError } from '../../errors.js';
import { JsonLdRefused, PinnedContexts } from '../../jsonld/pinned.js';
import { PINNED_CONTEXTS } from './contexts/index.js';

export const DIVOC_CONTEXTS = new PinnedContexts(PINNED_CONTEXTS);

/** The loader jsonld gets; exported so tests can show it refuses unknown URLs. */
export const pinnedDocumentLoader = DIVOC_CONTEXTS.loader;

/** The verdict for a document the JSON-LD processor refused. */
export function refusalVerdict(err: JsonLdRefused): VerificationError {
  switch (err.reason) {
    // An unknown context: the credential cannot be read (it is not ours to fetch).
    case 'UNPINNED_CONTEXT':
    case 'MALFORMED':
      return new VerificationError('CBOR_INVALID', err.detail);
    // Data outside the signed N-Quads would be displayed unsigned: as good as altered.
    case 'UNSAFE_DATA':
      return new VerificationError('SIGNATURE_INVALID', `JSON-LD canonicalisation failed (${err.detail})`);
    case 'TOO_COMPLEX':
      return new VerificationError('PAYLOAD_TOO_LARGE', err.detail);
  }
}

/** Canonical N-Quads; throws VerificationError (the document) or VerificationFault (the processor). */
export async function canonize(doc: object): Promise<string> {
  try {
    return await DIVOC_CONTEXTS.canonize(doc);
  } catch (err) {
    throw err instanceof JsonLdRefused ? refusalVerdict(err) : err;
  }
}
