// Checks on the document signer once its signature verified (hcert spec §3.3.5–3.3.6, §5.1;
// formats.md item 8): validity must cover issuance and the checking moment, and an extended
// key usage naming DCC types restricts what it may sign.
import type { CertificateType } from '../../model.js';
import type { Signer } from '../../trust/types.js';

/** hcert spec Appendix A.4, plus the `.0.` typo of the first draft that real DSCs still carry. */
const EKU_TYPES: Record<string, CertificateType> = {
  '1.3.6.1.4.1.1847.2021.1.1': 'test',
  '1.3.6.1.4.1.1847.2021.1.2': 'vaccination',
  '1.3.6.1.4.1.1847.2021.1.3': 'recovery',
  '1.3.6.1.4.1.0.1847.2021.1.1': 'test',
  '1.3.6.1.4.1.0.1847.2021.1.2': 'vaccination',
  '1.3.6.1.4.1.0.1847.2021.1.3': 'recovery',
};

/** No EKU, or an EKU without any DCC OID, allows every type (dgc-testdata CO6–CO15). */
export function keyUsageAllows(signer: Signer, type: CertificateType): boolean {
  const types = (signer.eku ?? []).map((oid) => EKU_TYPES[oid]).filter((t): t is CertificateType => t !== undefined);
  return types.length === 0 || types.includes(type);
}

function within(signer: Signer, moment: Date): boolean {
  const t = moment.getTime();
  return (!signer.notBefore || signer.notBefore.getTime() <= t) && (!signer.notAfter || t <= signer.notAfter.getTime());
}

export function signerValidAt(signer: Signer, issuedAt: Date, at: Date): boolean {
  return within(signer, issuedAt) && within(signer, at);
}
