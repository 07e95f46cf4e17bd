// The active-context copy that shares term definitions (src/jsonld/active-context.ts) may change
// how fast jsonld works, never what it produces. The reference is jsonld itself, untouched: a
// second instance of the same jsonld 9.0.0, loaded fresh with its own caches and its own deep
// copy, canonicalises the same documents with the same loader and options. Documents:
// - the real WHO GDHCN production and development trust-list documents (../shared/vectors,
//   published by WHO), each as a whole and as the proof options the verifier canonicalises;
// - the DIVOC credentials of the demo (CoWIN and PeduliLindungi shapes) and their proof options.
//   These were made by the project's own demo signer (scripts/demo), which is acceptable here: the
//   test compares two processors over the same documents, and the reference is jsonld. The
//   credentials signed by DIVOC's own libraries (jsonld-signatures 6, crypto-ld 3) are verified
//   through the changed jsonld in test/formats/divoc/interop.test.ts;
// - documents written here to reach every path of the copy: type-scoped contexts left again in
//   an untyped node (previousContext, revertToPreviousContext), nested type scopes, property
//   scopes with @base, @language and @vocab, a null context, protected terms kept, overridden in
//   a property scope, and redefined (refused by both), and safe mode's refusal of a dropped term.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import jsonld from 'jsonld';
import { describe, expect, it } from 'vitest';
import { cloneSharingTerms } from '../../src/jsonld/active-context.js';
import { PinnedContexts } from '../../src/jsonld/pinned.js';
import { decodeDivoc } from '../../src/formats/divoc/decode.js';
import { PINNED_CONTEXTS } from '../../src/formats/divoc/contexts/index.js';
import { GDHCN_CONTEXTS } from '../../src/trust/contexts/index.js';
import { VECTORS, vectorsPresent } from '../trust/helpers.js';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
type JsonLd = typeof jsonld;

/** A second jsonld, from a module graph of its own (the running one stays in require's cache). */
function untouchedJsonld(): JsonLd {
  const dir = path.dirname(require.resolve('jsonld/package.json')) + path.sep;
  const ours = Object.keys(require.cache).filter((k) => k.startsWith(dir));
  const saved = new Map(ours.map((k) => [k, require.cache[k]]));
  for (const k of ours) delete require.cache[k];
  try {
    return require('jsonld') as JsonLd;
  } finally {
    for (const k of Object.keys(require.cache)) if (k.startsWith(dir)) delete require.cache[k];
    for (const [k, v] of saved) require.cache[k] = v;
  }
}

const reference = untouchedJsonld();
const contexts = new PinnedContexts([...PINNED_CONTEXTS, ...GDHCN_CONTEXTS]);
const options = { algorithm: 'URDNA2015', format: 'application/n-quads', documentLoader: contexts.loader, safe: true } as unknown as jsonld.Options.Normalize;

/** What a processor made of a document: its N-Quads, or the name and code of its refusal. */
async function outcome(processor: JsonLd, doc: object): Promise<{ nquads: string } | { refused: string }> {
  try {
    return { nquads: (await processor.canonize(doc as jsonld.JsonLdDocument, options)) as unknown as string };
  } catch (err) {
    const e = err as { name?: string; details?: { code?: string; event?: { code?: string } } };
    return { refused: `${e.name}: ${e.details?.code ?? e.details?.event?.code ?? ''}` };
  }
}

async function expectSame(doc: object): Promise<{ nquads: string } | { refused: string }> {
  const ours = await outcome(jsonld, doc);
  expect(ours).toEqual(await outcome(reference, doc));
  return ours;
}

/** What a verifier canonicalises besides the document: the proof without its signature, in the suite's context. */
function proofOptions(doc: Record<string, unknown>, suiteContext: string): object {
  const { jws: _jws, ...rest } = doc.proof as Record<string, unknown>;
  return { '@context': suiteContext, ...rest };
}

/** Documents written here to reach every path of the copy (header). */
const V = 'https://ex.org/v#';
const cases: [string, object, 'nquads' | 'refused'][] = [
  [
    'a type scope left again in an untyped node, inside another type scope',
    {
      '@context': {
        '@version': 1.1,
        '@vocab': V,
        Person: { '@id': 'https://ex.org/Person', '@context': { name: 'https://schema.org/name', knows: { '@id': 'https://ex.org/knows' } } },
        Pet: { '@id': 'https://ex.org/Pet', '@context': { name: 'https://ex.org/petName', tag: { '@id': 'https://ex.org/tag', '@type': '@id' } } },
        owner: 'https://ex.org/owner',
      },
      '@type': 'Person',
      name: 'A',
      knows: { name: 'B', owner: { '@type': 'Pet', name: 'Rex', tag: 'https://ex.org/t/1', owner: { name: 'C' } } },
    },
    'nquads',
  ],
  [
    'property scopes with @base, @language and @vocab, propagating and not',
    {
      '@context': {
        '@version': 1.1,
        p: { '@id': 'https://ex.org/p', '@context': { '@language': 'id', '@base': 'https://base.example/', label: 'https://ex.org/label' } },
        q: { '@id': 'https://ex.org/q', '@type': '@id' },
        r: { '@id': 'https://ex.org/r', '@context': { '@propagate': false, '@vocab': V } },
      },
      p: { '@id': 'node/1', label: 'nama', q: 'rel/2', p: { label: 'dalam' } },
      r: { free: 1, q: 'https://ex.org/abs', p: { label: 'x' } },
    },
    'nquads',
  ],
  [
    'a null context in a type scope, then absolute IRIs only',
    {
      '@context': { '@version': 1.1, Reset: { '@id': 'https://ex.org/Reset', '@context': null }, inner: 'https://ex.org/inner' },
      '@type': 'Reset',
      'https://ex.org/abs': { 'https://ex.org/deeper': 'v' },
    },
    'nquads',
  ],
  [
    'protected terms kept through a type scope and overridden in a property scope',
    {
      '@context': {
        '@version': 1.1,
        '@protected': true,
        name: 'https://schema.org/name',
        Thing: { '@id': 'https://ex.org/Thing', '@context': { name: 'https://schema.org/name' } },
        sub: { '@id': 'https://ex.org/sub', '@context': { name: 'https://ex.org/subName' } },
      },
      '@type': 'Thing',
      name: 'n',
      sub: { name: 'm', sub: { name: 'o' } },
    },
    'nquads',
  ],
  [
    'a protected term redefined',
    { '@context': [{ '@version': 1.1, '@protected': true, name: 'https://schema.org/name' }, { name: 'https://ex.org/other' }], name: 'x' },
    'refused',
  ],
  [
    'a term a type scope does not define, dropped (safe mode)',
    {
      '@context': { '@version': 1.1, Box: { '@id': 'https://ex.org/Box', '@context': { size: 'https://ex.org/size' } }, outer: 'https://ex.org/outer' },
      '@type': 'Box',
      size: 1,
      nope: 2,
    },
    'refused',
  ],
];

describe('jsonld with shared term definitions', () => {
  it('is in force in the running jsonld, and the reference instance is untouched', () => {
    const live = require('jsonld/lib/context.js') as { getInitialContext(o: object): { clone: unknown } };
    expect(live.getInitialContext({}).clone).toBe(cloneSharingTerms);
    expect(reference).not.toBe(jsonld);
  });

  const gdhcn = ['trust-lists/who-gdhcn-prod/v2', 'trust-lists/who-gdhcn-dev/v2'];
  it.skipIf(!gdhcn.every(vectorsPresent))('WHO GDHCN trust-list documents (PROD and DEV) canonicalise as untouched jsonld does', async () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (name === 'did.json' || name === 'did.json.gz') files.push(file);
      }
    };
    for (const dir of gdhcn) walk(path.join(VECTORS, dir));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) {
      const bytes = readFileSync(file);
      const doc = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as Record<string, unknown>;
      const { proof: _proof, ...unsigned } = doc;
      expect('nquads' in (await expectSame(unsigned)), file).toBe(true);
      expect('nquads' in (await expectSame(proofOptions(doc, 'https://w3id.org/security/v3'))), file).toBe(true);
    }
  }, 120_000);

  it.each(['divoc-cowin.txt', 'divoc-pedulilindungi.txt'])('the DIVOC credential %s and its proof options', async (sample) => {
    const { credential } = decodeDivoc(readFileSync(path.join(ROOT, 'samples', sample), 'utf8').trim());
    const { proof: _proof, ...unsigned } = credential;
    const nquads = await expectSame(unsigned);
    expect('nquads' in nquads && nquads.nquads.split('\n').length).toBeGreaterThan(20);
    expect('nquads' in (await expectSame(proofOptions(credential, 'https://w3id.org/security/v2')))).toBe(true);
  });

  it.each(cases)('%s', async (_name, doc, expected) => {
    expect(Object.keys(await expectSame(doc))).toEqual([expected]);
  });
});

// PinnedContexts.canonize keeps the contexts it resolved between documents (`tag: 'static'`, a
// cache per registry: src/jsonld/pinned.ts). Kept or not, the N-Quads are those of untouched
// jsonld, and a registry never reads a context through another registry's cache.
describe('the contexts a registry keeps between documents', () => {
  const divocSamples = ['divoc-cowin.txt', 'divoc-pedulilindungi.txt'].map((sample) => {
    const { credential } = decodeDivoc(readFileSync(path.join(ROOT, 'samples', sample), 'utf8').trim());
    const { proof: _proof, ...unsigned } = credential;
    return [unsigned, proofOptions(credential, 'https://w3id.org/security/v2')];
  });

  it('the loader marks its pinned documents static', async () => {
    expect(await contexts.loader('https://w3id.org/security/v2')).toMatchObject({ tag: 'static', documentUrl: 'https://w3id.org/security/v2' });
  });

  it('canonicalises each document as untouched jsonld does, the first time and from what it kept, interleaved', async () => {
    const registry = new PinnedContexts(PINNED_CONTEXTS);
    const docs = [...divocSamples.flat(), ...cases.filter(([, , kind]) => kind === 'nquads').map(([, doc]) => doc)];
    for (let round = 0; round < 3; round++) {
      for (const doc of docs) {
        const expected = await outcome(reference, doc);
        expect('nquads' in expected).toBe(true);
        expect(await registry.canonize(doc)).toBe((expected as { nquads: string }).nquads);
      }
    }
  });

  it('refuses what it refused before, when it is asked again', async () => {
    const registry = new PinnedContexts(PINNED_CONTEXTS);
    for (const [, doc, kind] of cases.filter(([, , k]) => k === 'refused')) {
      expect(kind).toBe('refused');
      for (let i = 0; i < 2; i++) await expect(registry.canonize(doc)).rejects.toMatchObject({ name: 'JsonLdRefused' });
    }
  });

  it('never hands one registry a context another registry resolved', async () => {
    const didDoc = { '@context': ['https://www.w3.org/ns/did/v1'], id: 'did:web:example.org', controller: 'did:web:example.org' };
    const gdhcnOnly = new PinnedContexts(GDHCN_CONTEXTS);
    const divocOnly = new PinnedContexts(PINNED_CONTEXTS);
    await expect(divocOnly.canonize(didDoc)).rejects.toMatchObject({ reason: 'UNPINNED_CONTEXT' });
    expect(await gdhcnOnly.canonize(didDoc)).toContain('did:web:example.org');
    // The GDHCN registry has now resolved and kept the DID context; the DIVOC one still may not read it.
    await expect(divocOnly.canonize(didDoc)).rejects.toMatchObject({ reason: 'UNPINNED_CONTEXT' });
    const { nquads } = (await outcome(reference, divocSamples[0]![0]!)) as { nquads: string };
    expect(await gdhcnOnly.canonize(divocSamples[0]![0]!).catch((e: { reason?: string }) => e.reason)).toBe('UNPINNED_CONTEXT');
    expect(await divocOnly.canonize(divocSamples[0]![0]!)).toBe(nquads);
  });

  it('stays right past the number of inline contexts it keeps', async () => {
    const registry = new PinnedContexts(PINNED_CONTEXTS);
    for (let i = 0; i < 130; i++) {
      const doc = { '@context': { [`t${i}`]: `https://ex.org/t/${i}`, v: `https://ex.org/v/${i % 7}` }, '@id': `https://ex.org/n/${i}`, [`t${i}`]: i, v: 'x' };
      expect(await registry.canonize(doc)).toBe(((await outcome(reference, doc)) as { nquads: string }).nquads);
    }
    for (const doc of divocSamples.flat()) expect(await registry.canonize(doc)).toBe(((await outcome(reference, doc)) as { nquads: string }).nquads);
  });
});
