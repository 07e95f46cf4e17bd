// The only JSON-LD contexts DIVOC verification will use (see README.md for provenance).
// Import attributes keep them in the build output; nothing is read from disk or network.
import credentialsV1 from './W32018CredentialsV1.json' with { type: 'json' };
import divocV1 from './DIVOCVaccinationContextV1.json' with { type: 'json' };
import divocV2 from './DIVOCVaccinationContextV2.json' with { type: 'json' };
import securityV1 from './SecurityV1.json' with { type: 'json' };
import securityV2 from './SecurityV2.json' with { type: 'json' };

export const CREDENTIALS_V1 = 'https://www.w3.org/2018/credentials/v1';
/**
 * The context the 2018 suites read proof options in (jsonld-signatures ≤ 6
 * `SECURITY_CONTEXT_URL`, LinkedDataSignature.createProof); it imports security v1.
 */
export const SECURITY_V2 = 'https://w3id.org/security/v2';
export const SECURITY_V1 = 'https://w3id.org/security/v1';

/** Vaccination contexts of the DIVOC deployments (India, DIVOC demo, Sri Lanka, Indonesia). */
export const DIVOC_CONTEXT_URLS: Record<string, unknown> = {
  'https://cowin.gov.in/credentials/vaccination/v1': divocV1,
  'https://cowin.gov.in/credentials/vaccination/v2': divocV2,
  'https://divoc.prod/vaccine/credentials/vaccination/v1': divocV2,
  'https://divoc.lgcc.gov.lk/credentials/vaccination/v1': divocV2,
  'https://www.pedulilindungi.id/credentials/vaccination/v2': divocV2,
};

export const PINNED_CONTEXTS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  [CREDENTIALS_V1, credentialsV1],
  ...Object.entries(DIVOC_CONTEXT_URLS),
  [SECURITY_V2, securityV2],
  [SECURITY_V1, securityV1],
]);
