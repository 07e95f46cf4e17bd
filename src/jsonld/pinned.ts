// Pinned JSON-LD contexts and URDNA2015 canonicalisation, shared by every linked-data proof the
// service checks (DIVOC credentials, the WHO GDHCN DID trust list).
//
// API
//   new PinnedContexts(entries)   a registry URL → context document; nothing else is ever loaded.
//     .loader(url)                jsonld's documentLoader: the pinned document, or UnpinnedContextError.
//     .canonize(doc)              canonical N-Quads (URDNA2015 = RDFC-1.0) in jsonld's safe mode.
//   JsonLdRefused                 thrown by canonize when the DOCUMENT is at fault, with `reason`:
//     UNPINNED_CONTEXT  it names a context that is not pinned (never fetched: an SSRF, and it would
//                       let a context server change the meaning of signed data after the fact);
//     UNSAFE_DATA       safe mode: a term no context defines, a relative IRI, … — such data would be
//                       dropped from the signed N-Quads, i.e. be unsigned, yet be displayed;
//     MALFORMED         not well-formed JSON-LD (a bad @context value, a bad keyword, …);
//     TOO_COMPLEX       rdf-canonize's work limit (a blank-node "poison graph").
//   Any other failure of the processor is not the document's fault: VerificationFault
//   ('PROCESSOR_ERROR') (contract "Faults are not verdicts"). Callers map JsonLdRefused reasons to
//   their own codes (a VerificationError for certificates, a ListError for trust lists).
import { createRequire } from 'node:module';
import jsonld from 'jsonld';
import { VerificationFault } from '../errors.js';
import { shareTermDefinitions } from './active-context.js';

// Before any canonicalisation: derived active contexts share term definitions (active-context.ts).
shareTermDefinitions();

/**
 * `tag: 'static'` tells jsonld the document never changes (a pinned copy does not), so a context
 * it resolved once is kept between canonicalisations, with the active contexts it produced; untagged,
 * jsonld resolved and processed every context document from scratch for every document.
 */
export type RemoteDocument = { contextUrl: null; document: unknown; documentUrl: string; tag: 'static' };
export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

export class UnpinnedContextError extends Error {
  override readonly name = 'UnpinnedContextError';
  constructor(readonly url: string) {
    super(`JSON-LD context not pinned: ${url}`);
  }
}

export type JsonLdRefusal = 'UNPINNED_CONTEXT' | 'UNSAFE_DATA' | 'MALFORMED' | 'TOO_COMPLEX';

export class JsonLdRefused extends Error {
  override readonly name = 'JsonLdRefused';
  constructor(
    readonly reason: JsonLdRefusal,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** jsonld error names that describe the input document (jsonld 9 lib/*.js), not the processor. */
const MALFORMED_NAMES = new Set([
  'jsonld.SyntaxError',
  'jsonld.InvalidJsonLiteral',
  'jsonld.InvalidRdfDirection',
  'jsonld.ProcessingModeConflict',
  'jsonld.CyclicalContext',
  'jsonld.ContextUrlError',
  'jsonld.UnsupportedVersion',
  'jsonld.InvalidUrl',
]);

function findUnpinned(err: unknown, depth = 0): UnpinnedContextError | undefined {
  if (err instanceof UnpinnedContextError) return err;
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { cause?: unknown; details?: { cause?: unknown } };
  return findUnpinned(e.cause, depth + 1) ?? findUnpinned(e.details?.cause, depth + 1);
}

function classify(err: unknown): Error {
  const unpinned = findUnpinned(err);
  if (unpinned) return new JsonLdRefused('UNPINNED_CONTEXT', unpinned.message);
  const e = err as { name?: unknown; message?: unknown };
  const name = typeof e?.name === 'string' ? e.name : '';
  const message = (typeof e?.message === 'string' ? e.message : String(err)).slice(0, 160);
  if (name === 'jsonld.ValidationError') return new JsonLdRefused('UNSAFE_DATA', `JSON-LD safe mode: ${message}`);
  if (MALFORMED_NAMES.has(name)) return new JsonLdRefused('MALFORMED', `${name}: ${message}`);
  // rdf-canonize (RDFC10.js) stops hostile blank-node structures at maxWorkFactor.
  if (/^Maximum deep iterations exceeded/.test(message)) return new JsonLdRefused('TOO_COMPLEX', message);
  return new VerificationFault('PROCESSOR_ERROR', `JSON-LD processor failed (${name || 'error'}: ${message})`);
}

/** jsonld 9.0.0's lib/ContextResolver.js: what it needs of the cache it shares between operations. */
interface SharedContextCache {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}
type ContextResolverClass = new (opts: { sharedCache: SharedContextCache }) => object;
const ContextResolver = createRequire(import.meta.url)('jsonld/lib/ContextResolver.js') as ContextResolverClass;

/** Inline contexts of documents kept between operations, at most (jsonld's own cache holds 100). */
const INLINE_CONTEXTS_KEPT = 100;

/**
 * The resolved contexts one registry keeps between canonicalisations, in place of jsonld's cache
 * of the whole process. Shared, a context that one registry resolved would be handed to a
 * document of another registry without its loader being asked: a DIVOC credential naming the
 * GDHCN's DID context would be read after a trust refresh and refused before it. Entries of the
 * pinned URLs stay (there are as many as pins); inline contexts, keyed by their JSON text and so
 * as many as hostile documents care to write, are dropped all at once past INLINE_CONTEXTS_KEPT.
 */
class RegistryCache implements SharedContextCache {
  readonly #pinned = new Map<string, unknown>();
  readonly #inline = new Map<string, unknown>();

  constructor(private readonly isPinned: (key: string) => boolean) {}

  get(key: string): unknown {
    return this.#pinned.get(key) ?? this.#inline.get(key);
  }

  set(key: string, value: unknown): void {
    if (this.isPinned(key)) return void this.#pinned.set(key, value);
    if (this.#inline.size >= INLINE_CONTEXTS_KEPT) this.#inline.clear();
    this.#inline.set(key, value);
  }
}

export class PinnedContexts {
  readonly #contexts: ReadonlyMap<string, unknown>;
  readonly #cache: RegistryCache;

  constructor(entries: Iterable<readonly [string, unknown]>) {
    this.#contexts = new Map(entries);
    this.#cache = new RegistryCache((key) => this.#contexts.has(key));
  }

  has(url: string): boolean {
    return this.#contexts.has(url);
  }

  /** jsonld's documentLoader; exported through the instance so tests can show it refuses unknown URLs. */
  readonly loader: DocumentLoader = async (url) => {
    const document = this.#contexts.get(url);
    if (document === undefined) throw new UnpinnedContextError(url);
    return { contextUrl: null, document, documentUrl: url, tag: 'static' };
  };

  /**
   * Canonical N-Quads. `safe: true` (jsonld 9's default for canonize, kept explicit) refuses data
   * the contexts do not define. Throws JsonLdRefused (the document) or VerificationFault (the processor).
   */
  async canonize(doc: object): Promise<string> {
    try {
      return await jsonld.canonize(doc as jsonld.JsonLdDocument, {
        algorithm: 'URDNA2015',
        format: 'application/n-quads',
        documentLoader: this.loader,
        safe: true,
        // jsonld's option for this ("internal use only" in its docs; the version is pinned exactly).
        contextResolver: new ContextResolver({ sharedCache: this.#cache }),
      } as unknown as jsonld.Options.Normalize);
    } catch (err) {
      throw classify(err);
    }
  }
}
