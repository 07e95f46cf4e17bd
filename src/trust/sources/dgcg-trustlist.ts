// `dgcg-trustlist`: the EU gateway's `GET /trustList` JSON array (anchors-mission.md §2.5 (a)).
// A local file is trusted because the operator placed it (contract.md "Trust lists"); a copy
// fetched from a URL needs its entries checked against an anchor (CSCA entries signed by the
// trust anchor, DSCs chained to their country's CSCA), which another issue adds.
import { z } from 'zod';
import { decodeUtf8Strict, parseJson, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';
import { signersFromDscEntries } from './dsc-entries.js';

const listSchema = z.array(z.unknown()).max(100_000);

export async function parseDgcgTrustList(input: SourceInput): Promise<SourceResult> {
  if (input.origin !== 'file') {
    throw new Error('a dgcg-trustlist from a URL needs anchor checks of its entries; not supported yet');
  }
  const json = parseJson(decodeUtf8Strict(input.bytes, 'dgcg-trustlist'), 'dgcg-trustlist');
  const list = listSchema.safeParse(json);
  if (!list.success) throw new Error(`dgcg-trustlist is not a JSON array of entries: ${zodMessage(list.error)}`);
  return signersFromDscEntries(list.data, input.def.id);
}

export const dgcgTrustList: SourceType = { kind: 'dcc', requires: [], parse: parseDgcgTrustList };
