// The source-type table (contract.md "Trust lists"). Adding a type is one file in this folder
// plus one row here; the loader and the store never name a type.
import type { SourceType } from './common.js';
import { deDscList } from './de-dsc-list.js';
import { dgcgTrustList } from './dgcg-trustlist.js';
import { divocKeys } from './divoc-keys.js';
import { icaoCsca } from './icao-csca.js';
import { jwks } from './jwks.js';
import { blocklist } from './blocklist.js';
import { dccRevocation } from './dcc-revocation.js';
import { gdhcnDid } from './gdhcn-did.js';
import { pemBundle } from './pem.js';
import { vciSnapshot } from './vci-snapshot.js';

export const SOURCE_TYPES: Readonly<Record<string, SourceType>> = Object.freeze({
  'dgcg-trustlist': dgcgTrustList,
  'de-dsc-list': deDscList,
  pem: pemBundle,
  jwks,
  'icao-csca': icaoCsca,
  'divoc-keys': divocKeys,
  'gdhcn-did': gdhcnDid,
  'vci-snapshot': vciSnapshot,
  'dcc-revocation': dccRevocation,
  blocklist,
});

export function sourceType(type: string): SourceType | undefined {
  return Object.hasOwn(SOURCE_TYPES, type) ? SOURCE_TYPES[type] : undefined;
}

export type { SourceDef, SourceInput, SourceResult, SourceType, SourceRequirement } from './common.js';
export { sourceDefSchema } from './common.js';
