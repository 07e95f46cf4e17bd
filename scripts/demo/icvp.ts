// Demo WHO digital ICVP payloads (DVCMin, hcert −260/−6; formats.md "WHO digital vaccination
// certificate / digital ICVP"), filled in as the smart-icvp example questionnaire fills them.
// The holder is the demo holder of the EU samples written as one name string (given names
// first), so holder-status can combine an ICVP with her EU DCC.
import { DDCC_HOLDER_NAME } from './formats.js';
import { DEMO_HOLDER } from './samples.js';

/** STAMARIL (Sanofi Pasteur) in the ICVP product catalogue. */
export const STAMARIL = 'YellowFeverProductd8a09f80301dc05e124f99ffe7711fc0';

const DAY_MS = 86_400_000;
const plusDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** A yellow-fever vaccination; `vls` is the IHR start (10 days after), `vle` left out (valid for life). */
export function dvcYellowFever(opts: { date: string; batch?: string; name?: string; dob?: string; product?: string }) {
  return {
    n: opts.name ?? DDCC_HOLDER_NAME,
    dob: opts.dob ?? DEMO_HOLDER.dob,
    s: 'female',
    ntl: 'IDN',
    v: {
      dn: '1',
      tg: '1D47',
      vp: 'XM0N24',
      mp: opts.product ?? STAMARIL,
      ma: 'Sanofi Pasteur',
      dt: opts.date,
      bo: opts.batch ?? 'DEMO-YF-001',
      vls: plusDays(opts.date, 10),
      cn: 'dr. Demo Klinisi',
      is: 'Lintas Demo Port Health Office',
    },
  };
}
