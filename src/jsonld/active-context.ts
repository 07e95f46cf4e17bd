// jsonld 9 copies the whole active context, deeply, every time it derives one: on entering a
// node with a type-scoped context, on leaving it again (`revertToPreviousContext`), and for every
// context it processes. A DIVOC credential is a VC whose contexts define ~150 terms, many of them
// carrying their own scoped `@context` documents, so each copy rebuilds hundreds of objects that
// nothing will ever change: measured, a third of a DIVOC verification was `util.clone` under
// `_cloneActiveContext`, and most of its garbage collection was that output (issue 12,
// bench:load: DIVOC was a tenth of the legitimate stream and half its CPU). jsonld.js knows
// (digitalbazaar/jsonld.js#414, open since 2020: "the patch clones the active context … could
// in theory lead to performance issues").
//
// Why sharing is safe: jsonld never changes a term definition once it is in an active context.
// createTermDefinition builds a fresh `mapping` object and `set`s or `delete`s entries of the
// context being built (always a fresh copy); `protected` is written only on that copy; the
// scoped `@context` a definition holds is a reference into the context document, which jsonld
// already shares between operations through its resolved-context cache. So the copy needs its own
// Map and its own `protected` object, not copies of what they hold. The rest of the child is
// built exactly as jsonld 9.0.0's `_cloneActiveContext` builds it (lib/context.js), field by
// field.
//
// jsonld keeps one initial context per processing mode (`getInitialContext`, cached) and every
// derived context inherits `clone` from its parent, so installing it on the initial contexts is
// enough. The version is pinned exactly in package.json; test/jsonld/active-context.test.ts
// checks that the copy is in force and that canonical N-Quads and refusals equal those of an
// untouched jsonld over real WHO trust lists, DIVOC credentials and scoped-context edge cases.
import { createRequire } from 'node:module';

interface ActiveContext {
  mappings: Map<string, unknown>;
  protected: Record<string, unknown>;
  inverse: unknown;
  getInverse: unknown;
  previousContext?: ActiveContext;
  revertToPreviousContext: unknown;
  clone(this: ActiveContext): ActiveContext;
  '@base'?: unknown;
  '@language'?: unknown;
  '@vocab'?: unknown;
}

interface JsonLdContextApi {
  getInitialContext(options: { processingMode?: string }): ActiveContext;
}

/** jsonld 9.0.0's `_cloneActiveContext`, with the term definitions shared instead of deep-copied. */
export function cloneSharingTerms(this: ActiveContext): ActiveContext {
  const child: ActiveContext = {
    mappings: new Map(this.mappings),
    clone: this.clone,
    inverse: null,
    getInverse: this.getInverse,
    protected: { ...this.protected },
    revertToPreviousContext: this.revertToPreviousContext,
  };
  if (this.previousContext) child.previousContext = this.previousContext.clone();
  if ('@base' in this) child['@base'] = this['@base'];
  if ('@language' in this) child['@language'] = this['@language'];
  if ('@vocab' in this) child['@vocab'] = this['@vocab'];
  return child;
}

/** The processing modes jsonld keys its initial contexts by (options.processingMode; unset is ours). */
const PROCESSING_MODES = [undefined, 'json-ld-1.0', 'json-ld-1.1'] as const;

/**
 * Installs `cloneSharingTerms` on jsonld's initial contexts. Must run before the first
 * canonicalisation: contexts derived earlier keep the deep copy. Throws when jsonld's internals
 * are not the ones this was written against, so an upgrade fails the tests instead of silently
 * slowing down.
 */
export function shareTermDefinitions(): void {
  const api = createRequire(import.meta.url)('jsonld/lib/context.js') as Partial<JsonLdContextApi>;
  if (typeof api.getInitialContext !== 'function') throw new Error('jsonld/lib/context.js has no getInitialContext: check src/jsonld/active-context.ts against this jsonld');
  for (const processingMode of PROCESSING_MODES) {
    const initial = api.getInitialContext({ processingMode });
    if (!(initial.mappings instanceof Map) || typeof initial.clone !== 'function' || initial.mappings.size !== 0) {
      throw new Error('jsonld initial context is not the shape src/jsonld/active-context.ts copies');
    }
    initial.clone = cloneSharingTerms;
  }
}
