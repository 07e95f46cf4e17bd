// One EC and one RSA DSC under a demo CSCA, for revocation tests.
import { makeCsca, makeDsc } from '../../scripts/demo/pki.js';

export async function demoPki() {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const notAfter = new Date('2028-01-01T00:00:00Z');
  const csca = await makeCsca({ country: 'AT', notBefore, notAfter });
  const ec = await makeDsc(csca, { country: 'AT', name: 'Revocation EC DSC', notBefore, notAfter });
  const rsa = await makeDsc(csca, { country: 'AT', name: 'Revocation RSA DSC', alg: 'PS256', notBefore, notAfter });
  return { csca, ec, rsa };
}
