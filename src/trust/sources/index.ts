// The source-type table (contract.md "Trust lists"). Adding a type is one file in this folder
// plus one row here; the loader and the store never name a type.
import type { SourceInput, SourceResult, SourceType } from './common.js';
import { deDscList } from './de-dsc-list.js';
import { dgcgTrustList } from './dgcg-trustlist.js';
import { divocKeys } from './divoc-keys.js';
import { icaoCsca } from './icao-csca.js';
import { jwks } from './jwks.js';
import { gdhcnDid } from './gdhcn-did.js';
import { pemBundle } from './pem.js';
import { vciSnapshot } from './vci-snapshot.js';

/** A type the contract names but this build cannot load yet: that source fails, others load. */
function notSupportedYet(type: string, kind: SourceType['kind']): SourceType {
  return {
    kind,
    requires: [],
    async parse(_input: SourceInput): Promise<SourceResult> {
      throw new Error(`source type "${type}" is not supported yet`);
    },
  };
}

export const SOURCE_TYPES: Readonly<Record<string, SourceType>> = Object.freeze({
  'dgcg-trustlist': dgcgTrustList,
  'de-dsc-list': deDscList,
  pem: pemBundle,
  jwks,
  'icao-csca': icaoCsca,
  'divoc-keys': divocKeys,
  'gdhcn-did': gdhcnDid,
  'vci-snapshot': vciSnapshot,
});

export function sourceType(type: string): SourceType | undefined {
  return Object.hasOwn(SOURCE_TYPES, type) ? SOURCE_TYPES[type] : undefined;
}

export type { SourceDef, SourceInput, SourceResult, SourceType, SourceRequirement } from './common.js';
export { sourceDefSchema } from './common.js';
