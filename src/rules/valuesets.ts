// CertLogic rules see value sets only as code lists, `external.valueSets: { <valueSetId>: [codes] }`
// (dgc-business-rules-testdata `valuesets/README.md`: the "compressed" value sets;
// DE covpass `ExternalParameter.kt`). Rules name them by their `valueSetId` — e.g.
// `{"in": [{"var": "payload.v.0.mp"}, {"var": "external.valueSets.vaccines-covid-19-names"}]}` —
// which is NOT the file name in ehn-dcc-development/eu-dcc-valuesets. Both spellings are accepted
// here so the caller can key its table either way.

/** eu-dcc-valuesets file name → the `valueSetId` inside it (and used by rules). */
export const VALUE_SET_FILE_TO_ID: Readonly<Record<string, string>> = {
  'disease-agent-targeted': 'disease-agent-targeted',
  'vaccine-prophylaxis': 'sct-vaccines-covid-19',
  'vaccine-medicinal-product': 'vaccines-covid-19-names',
  'vaccine-mah-manf': 'vaccines-covid-19-auth-holders',
  'test-type': 'covid-19-lab-test-type',
  'test-manf': 'covid-19-lab-test-manufacturer-and-name',
  'test-result': 'covid-19-lab-result',
  'country-2-codes': 'country-2-codes',
};

/**
 * `{ setId: { code: display } }` (e.g. the service's VALUE_SETS) → `{ valueSetId: [codes] }`
 * for `external.valueSets`. File-name keys are mapped to their valueSetId; unknown keys are kept
 * as they are; codes of two keys naming the same set are merged. Codes are sorted so the
 * result does not depend on object insertion order.
 */
export function valueSetsForRules(
  sets: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Record<string, string[]> {
  const merged = new Map<string, Set<string>>();
  for (const [key, codes] of Object.entries(sets)) {
    const id = VALUE_SET_FILE_TO_ID[key] ?? key;
    let bucket = merged.get(id);
    if (!bucket) merged.set(id, (bucket = new Set()));
    for (const code of Object.keys(codes)) bucket.add(code);
  }
  const out: Record<string, string[]> = {};
  for (const [id, codes] of merged) out[id] = [...codes].sort();
  return out;
}
