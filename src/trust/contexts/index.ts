// The JSON-LD contexts WHO GDHCN DID trust lists are canonicalised with, pinned by exact
// content and served offline (research/trust-list-formats.md §2 step 3, "Context pinning").
// Provenance in README.md. Import attributes keep them in the build output; an unknown
// context URL is an error, never a fetch.
import didV1 from './did-v1.json' with { type: 'json' };
import jws2020V1 from './jws-2020-v1.json' with { type: 'json' };
import securityV3 from './security-v3-unstable.json' with { type: 'json' };
import tngV1 from './tng-context-v1.json' with { type: 'json' };
import tngV1Dev from './tng-context-v1-dev.json' with { type: 'json' };
import tngV1Uat from './tng-context-v1-uat.json' with { type: 'json' };

/** URL → pinned file name (for the equality test) and document. */
export const GDHCN_CONTEXT_FILES: Readonly<Record<string, string>> = Object.freeze({
  'https://www.w3.org/ns/did/v1': 'did-v1.json',
  'https://w3id.org/security/suites/jws-2020/v1': 'jws-2020-v1.json',
  'https://w3id.org/security/v3': 'security-v3-unstable.json',
  'https://smart.who.int/trust/tng-context/v1-DEV.jsonld': 'tng-context-v1-dev.json',
  'https://smart.who.int/trust/tng-context/v1-UAT.jsonld': 'tng-context-v1-uat.json',
  'https://smart.who.int/trust/tng-context/v1.jsonld': 'tng-context-v1.json',
});

export const GDHCN_CONTEXTS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['https://www.w3.org/ns/did/v1', didV1],
  ['https://w3id.org/security/suites/jws-2020/v1', jws2020V1],
  ['https://w3id.org/security/v3', securityV3],
  ['https://smart.who.int/trust/tng-context/v1-DEV.jsonld', tngV1Dev],
  ['https://smart.who.int/trust/tng-context/v1-UAT.jsonld', tngV1Uat],
  ['https://smart.who.int/trust/tng-context/v1.jsonld', tngV1],
]);
