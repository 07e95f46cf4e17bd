// The OpenAPI description of the public publishing routes (src/publish/export.ts,
// src/http/dgca.ts), merged into GET /openapi.json by src/http/openapi.ts. The JSON answer
// shapes are zod schemas, handed over as zod schemas: openapi.ts converts them with every other
// schema of the document (z.toJSONSchema), so the tests parse real answers with the very
// schemas published here and validate them against the served document.
import { z } from 'zod';
import type { ProblemCode } from '../http/problems.js';

export const JwksSchema = z.object({
  keys: z.array(z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string(), alg: z.literal('ES256'), use: z.literal('sig') })).min(1),
});

export const DgcaContextSchema = z.object({
  origin: z.string(),
  versions: z.object({
    default: z.object({
      context: z.object({ url: z.string(), pubKeys: z.array(z.string()).optional() }),
      endpoints: z.object({
        status: z.object({ url: z.string(), pubKeys: z.array(z.string()).optional() }),
        update: z.object({ url: z.string(), pubKeys: z.array(z.string()).optional() }),
      }),
    }),
  }),
});

export const DgcaKidsSchema = z.array(z.string()).describe('base64 kids of the DCC signers in force');
export const DgcaRuleListSchema = z.array(z.object({ identifier: z.string(), version: z.string(), country: z.string(), hash: z.string() }));
export const DgcaValueSetListSchema = z.array(z.object({ id: z.string(), hash: z.string() }));
export const DgcaValueSetSchema = z.object({
  valueSetId: z.string(),
  valueSetValues: z.record(z.string(), z.object({ display: z.string(), lang: z.string(), active: z.boolean() })),
});
export const DgcaCountryListSchema = z.array(z.string().regex(/^[A-Z]{2}$/));

type Json = Record<string, unknown>;

/** How openapi.ts words a problem answer: its status, what it means, the codes it may carry. */
export type ProblemResponse = (status: number, description: string, codes?: readonly ProblemCode[]) => Json;

export function publishOpenApi(problem: ProblemResponse): { schemas: Record<string, z.ZodType>; paths: Json } {
  const ok = (description: string, type: string, schema: Json, headers?: Json) => ({ description, ...(headers ? { headers } : {}), content: { [type]: { schema } } });
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const hashParam = { name: 'hash', in: 'path', required: true, description: 'hex SHA-256 of the body this path serves', schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } };
  const countryParam = { name: 'country', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z]{2}$' } };
  const get = (operationId: string, summary: string, responses: Json, parameters?: Json[]) => ({
    get: { operationId, summary, tags: ['partners'], security: [{}], ...(parameters ? { parameters } : {}), responses },
  });
  return {
    schemas: {
      Jwks: JwksSchema,
      DgcaContext: DgcaContextSchema,
      DgcaKids: DgcaKidsSchema,
      DgcaRuleList: DgcaRuleListSchema,
      DgcaValueSetList: DgcaValueSetListSchema,
      DgcaValueSet: DgcaValueSetSchema,
      DgcaCountryList: DgcaCountryListSchema,
    },
    paths: {
      '/v1/trust/export': get('trustExport', 'Every verified DCC signer, as a signed list in the de-dsc-list format (first line: base64 raw P-256 r‖s signature over the bytes after the newline)', {
        '200': ok('The signed list', 'text/plain', { type: 'string' }, { ETag: { schema: { type: 'string' } }, 'Cache-Control': { schema: { type: 'string' } }, 'X-Trust-Snapshot': { description: 'id of the trust snapshot exported', schema: { type: 'string' } } }),
        '304': { description: 'Not modified (If-None-Match matched the ETag)' },
      }),
      '/v1/trust/export/key': get('trustExportKey', 'The PEM public key (SPKI) that signs the export: what a partner pins as the source’s anchor', {
        '200': ok('PEM public key', 'application/x-pem-file', { type: 'string' }),
      }),
      '/.well-known/jwks.json': get('jwks', 'The JWK set that verifies receipts (the publishing key)', {
        '200': ok('JWK set', 'application/jwk-set+json', ref('Jwks')),
      }),
      '/dgca/context': get('dgcaContext', 'EU verifier-app backend: the context (status and update URLs)', { '200': ok('Context', 'application/json', ref('DgcaContext')) }),
      '/dgca/signercertificateStatus': get('dgcaSignerStatus', 'Kids of the DCC signers in force (not expired, not revoked)', { '200': ok('Kids', 'application/json', ref('DgcaKids')) }),
      '/dgca/signercertificateUpdate': get(
        'dgcaSignerUpdate',
        'One signer certificate after the resume token; repeat with the returned token until 204',
        {
          '200': ok('base64 DER of one certificate', 'text/plain', { type: 'string' }, {
            'X-KID': { description: 'base64 kid of the certificate', schema: { type: 'string' } },
            'X-RESUME-TOKEN': { description: 'Send it back to get the next certificate', schema: { type: 'string' } },
          }),
          '204': { description: 'No more certificates' },
          '400': problem(400, 'A resume token that is not one this service handed out', ['INVALID_REQUEST']),
        },
        [{ name: 'X-RESUME-TOKEN', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d*$' } }],
      ),
      '/dgca/rules': get('dgcaRules', 'Business rules: identifier, version, country and hash of each', { '200': ok('Rule list', 'application/json', ref('DgcaRuleList')) }),
      '/dgca/rules/{country}': get('dgcaRulesOfCountry', 'The rule list of one country', { '200': ok('Rule list', 'application/json', ref('DgcaRuleList')), '400': problem(400, 'Not a two-letter country', ['INVALID_REQUEST']) }, [countryParam]),
      '/dgca/rules/{country}/{hash}': get(
        'dgcaRule',
        'One business rule (EU gateway format); its SHA-256 is the hash',
        { '200': ok('The rule', 'application/json', { type: 'object' }), '400': problem(400, 'Malformed country or hash', ['INVALID_REQUEST']), '404': problem(404, 'No rule of that country has this hash') },
        [countryParam, hashParam],
      ),
      '/dgca/valuesets': get('dgcaValueSets', 'Value sets: id and hash of each', { '200': ok('Value set list', 'application/json', ref('DgcaValueSetList')) }),
      '/dgca/valuesets/{hash}': get(
        'dgcaValueSet',
        'One value set (eu-dcc-valuesets shape); its SHA-256 is the hash',
        { '200': ok('The value set', 'application/json', ref('DgcaValueSet')), '400': problem(400, 'Malformed hash', ['INVALID_REQUEST']), '404': problem(404, 'No value set has this hash') },
        [hashParam],
      ),
      '/dgca/countrylist': get('dgcaCountryList', 'Countries with business rules or DCC signers here', { '200': ok('Country codes', 'application/json', ref('DgcaCountryList')) }),
    },
  };
}
