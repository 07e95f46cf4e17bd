// Worker-thread entry: computes a DIVOC proof's verify data (two URDNA2015 canonicalisations,
// milliseconds of CPU each) off the event loop that serves every other request. One job at a
// time (off-thread.ts posts the next only after this one answered). The reply keeps the
// certificate's verdicts apart from the processor's faults:
//   {id, data} | {id, verdict: {code, detail}} | {id, fault: {reason, detail}}
import { parentPort } from 'node:worker_threads';
import { VerificationError, VerificationFault } from '../../errors.js';
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
    if (err instanceof VerificationError) parentPort!.postMessage({ id, verdict: { code: err.code, detail: err.detail } });
    else {
      const reason = err instanceof VerificationFault ? err.reason : 'PROCESSOR_ERROR';
      const detail = (err instanceof Error ? err.message : String(err)).slice(0, 200);
      parentPort!.postMessage({ id, fault: { reason, detail } });
    }
  }
});
