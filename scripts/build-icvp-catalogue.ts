// Builds src/formats/dcc/icvp-catalogue.json, the ICVP reference data the WHO DVC mapper uses
// (src/formats/dcc/dvc.ts), from the smart-icvp IG files in the shared vectors folder
// (WorldHealthOrganization/smart-icvp input/fsh/, CC BY-NC-SA 3.0 IGO: notice in NOTICE).
//
//   node --import tsx scripts/build-icvp-catalogue.ts [vectors/who-dvc/smart-icvp] [out.json]
//
// What it keeps: the ICVP product ids (ICVPProductIds) with their trade name, manufacturer,
// vaccine type, presentation, doses per container, prequalification date and NRA, split out of
// the one display string the IG concatenates them into; the short display of the concept map
// (ICVPProductIdToVaccineType) where it has one; the diseases (DiseaseTargeted, ICD-11) and the
// ICVP vaccine codes (ICVPVaccineCodes, ICD-11). A string that does not split is an error: the
// script stops rather than ship a half-read catalogue.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const sourceDir = path.resolve(process.argv[2] ?? path.join(repoRoot, '../shared/vectors/who-dvc/smart-icvp'));
const outFile = path.resolve(process.argv[3] ?? path.join(repoRoot, 'src/formats/dcc/icvp-catalogue.json'));
const read = (name: string) => readFileSync(path.join(sourceDir, name), 'utf8');

/** WHO PQ vaccine types of the catalogue → the ICD-11 diseases they target (DiseaseTargeted codes). */
const TYPE_DISEASES: Record<string, string[]> = {
  'Yellow Fever': ['1D47'],
  'Polio Vaccine - Oral (OPV) Trivalent': ['1C81'],
  'Polio Vaccine - Oral (OPV) Bivalent Types 1 and 3': ['1C81'],
  'Polio Vaccine - Oral (OPV) Monovalent Type 1': ['1C81'],
  'Polio Vaccine - Oral (OPV) Monovalent Type 2': ['1C81'],
  'Polio Vaccine - Oral (OPV) Monovalent Type 3': ['1C81'],
  'Polio Vaccine - Novel Oral (nOPV) Type 2': ['1C81'],
  'Polio Vaccine - Inactivated (IPV)': ['1C81'],
  'Polio Vaccine - Inactivated Sabin (sIPV)': ['1C81'],
  // Hexavalent vaccines: polio is what the ICVP certifies; the other five are listed too.
  'Diphtheria-Tetanus-Pertussis (whole cell)-Hepatitis B-Haemophilus influenzae type b-Polio (Inactivated)': ['1C81', '1C17', '1C13', '1C12', '1E50.1', 'XN0FG'],
  'Diphtheria-Tetanus-Pertussis (acellular)-Hepatitis B-Haemophilus influenzae type b-Polio (Inactivated)': ['1C81', '1C17', '1C13', '1C12', '1E50.1', 'XN0FG'],
};
const PRESENTATIONS = ['Two vial set (active + excipient)', 'Vial + Ampoule', 'Ampoule', 'Vial'];
/** National regulatory authorities named at the end of the strings (longest first when one ends another). */
const NRAS = [
  'Federal Service on Surveillance in Healthcare (ROSZDRAVNADZOR) of the Russian Federation',
  'Agence nationale de sécurité du médicament et des produits de santé',
  'National Agency of Drug and Food Control Indonesia',
  'Federal Agency for Medicines and Health Products',
  'Central Drugs Standard Control Organization',
  'Agencia Nacional da Vigilancia Sanitaria',
  'National Medical Products Administration',
  'Medicines Evaluation Board (MEB)',
  'Ministry of Food and Drug Safety',
  'Ministère de la Santé publique',
  'European Medicines Agency',
  'Danish Medicines Agency',
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const PRODUCT_LINE = /^\* \$PreQualProductIds#([A-Za-z0-9]+)\s+"([^"]+)"/gm;
const SPLIT = new RegExp(
  `^(\\d{2})/(\\d{2})/(\\d{4})(${Object.keys(TYPE_DISEASES).map(escape).join('|')})(.+?)(${PRESENTATIONS.map(escape).join('|')})(\\d+)(.+?)(${NRAS.map(escape).join('|')})$`,
  'u',
);

interface Product {
  display: string;
  tradeName: string | null;
  manufacturer: string;
  vaccineType: string;
  diseases: string[];
  presentation: string;
  dosesPerContainer: number;
  prequalified: string;
  nra: string;
  catalogueText: string;
}

// The concept map's short display per product id, where it has one.
const mapDisplay = new Map<string, string>();
for (const m of read('ICVPProductIdToVaccineType.fsh').matchAll(/element\[\+\]\.code = #([A-Za-z0-9]+)\s*\n\* group\[=\]\.element\[=\]\.display = "([^"]+)"/g)) {
  mapDisplay.set(m[1]!, m[2]!);
}

const products: Record<string, Product> = {};
for (const [, id, text] of read('ICVPProductIds.fsh').matchAll(PRODUCT_LINE)) {
  const m = SPLIT.exec(text!);
  if (!m) throw new Error(`cannot split the catalogue text of ${id}: ${text}`);
  const [, dd, mm, yyyy, type, trade, presentation, doses, manufacturer, nra] = m as unknown as string[];
  const tradeName = trade === 'n/a' ? null : trade!;
  // In the concept map's style ("STAMARIL - 10 dose - Sanofi Pasteur"); no trade name: the type.
  const display = mapDisplay.get(id!) ?? `${tradeName ?? type} - ${doses} dose - ${manufacturer}`;
  products[id!] = {
    display,
    tradeName,
    manufacturer: manufacturer!,
    vaccineType: type!,
    diseases: TYPE_DISEASES[type!]!,
    presentation: presentation!,
    dosesPerContainer: Number(doses),
    prequalified: `${yyyy}-${mm}-${dd}`,
    nra: nra!,
    catalogueText: text!,
  };
}

function codes(file: string, system: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of read(file).matchAll(new RegExp(`^\\* \\${system}#([A-Z0-9.]+)\\s+"([^"]+)"`, 'gm'))) out[m[1]!] = m[2]!;
  return out;
}

const source = readFileSync(path.join(sourceDir, 'SOURCE.txt'), 'utf8').split('\n')[0]!.trim();
const out = {
  source,
  licence: 'CC BY-NC-SA 3.0 IGO (WHO SMART Guidelines); derived data, see NOTICE',
  products,
  diseases: codes('DiseaseTargeted.fsh', '$ICD11'),
  vaccineCodes: codes('ICVPVaccineCodes.fsh', '$ICD11'),
};
if (Object.keys(products).length === 0 || Object.keys(out.diseases).length === 0) throw new Error('nothing read: wrong folder?');
writeFileSync(outFile, JSON.stringify(out, null, 1) + '\n');
console.log(`${outFile}: ${Object.keys(products).length} products, ${Object.keys(out.diseases).length} diseases, ${Object.keys(out.vaccineCodes).length} vaccine codes (${source})`);
