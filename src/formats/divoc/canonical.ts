// URDNA2015 (= RDFC-1.0) canonical N-Quads of a JSON-LD document, with a document loader that
// serves only the pinned contexts. An unknown context is an error, never a fetch: fetching a
// URL named inside a certificate would be an SSRF and would let the issuer change the meaning
// of signed data after the fact.
import jsonld from 'jsonld';
import { VerificationError } from '../../errors.js';
import { PINNED_CONTEXTS } from './contexts/index.js';

export class UnpinnedContextError extends Error {
  constructor(readonly url: string) {
    super(`JSON-LD context not pinned: ${url}`);
  }
}

/** The loader jsonld gets; exported so tests can show it refuses unknown URLs. */
export async function pinnedDocumentLoader(url: string): Promise<{ contextUrl: null; document: unknown; documentUrl: string }> {
  const document = PINNED_CONTEXTS.get(url);
  if (document === undefined) throw new UnpinnedContextError(url);
  return { contextUrl: null, document, documentUrl: url };
}

function findUnpinned(err: unknown, depth = 0): UnpinnedContextError | undefined {
  if (err instanceof UnpinnedContextError) return err;
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { cause?: unknown; details?: { cause?: unknown } };
  return findUnpinned(e.cause, depth + 1) ?? findUnpinned(e.details?.cause, depth + 1);
}

/**
 * Canonical N-Quads. `safe: true` (jsonld 9 default for canonize, kept explicit) refuses terms
 * the contexts do not define: such data would be dropped from the signed N-Quads, so it would
 * be unsigned — and we would display it. Refusing is the only safe reading.
 */
export async function canonize(doc: object): Promise<string> {
  try {
    return await jsonld.canonize(doc as jsonld.JsonLdDocument, {
      algorithm: 'URDNA2015',
      format: 'application/n-quads',
      documentLoader: pinnedDocumentLoader,
      safe: true,
    } as unknown as jsonld.Options.Normalize);
  } catch (err) {
    const unpinned = findUnpinned(err);
    if (unpinned) throw new VerificationError('CBOR_INVALID', unpinned.message);
    const name = (err as { name?: string; message?: string }).message ?? 'unknown';
    throw new VerificationError('SIGNATURE_INVALID', `JSON-LD canonicalisation failed (${name.slice(0, 120)})`);
  }
}
