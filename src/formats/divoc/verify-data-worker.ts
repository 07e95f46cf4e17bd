// Worker-thread entry: computes a DIVOC proof's verify data (two URDNA2015 canonicalisations,
// milliseconds of CPU each) off the event loop that serves every other request.
import { parentPort } from 'node:worker_threads';
import { VerificationError } from '../../errors.js';
import { createVerifyData } from './proof.js';

interface Job {
  id: number;
  credential: Record<string, unknown>;
  proof: Record<string, unknown>;
}

parentPort?.on('message', async ({ id, credential, proof }: Job) => {
  try {
    const data = await createVerifyData(credential, proof);
    parentPort!.postMessage({ id, data });
  } catch (err) {
    const known = err instanceof VerificationError;
    parentPort!.postMessage({
      id,
      error: { code: known ? err.code : 'SIGNATURE_INVALID', detail: known ? err.detail : 'canonicalisation failed' },
    });
  }
});
