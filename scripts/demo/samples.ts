// Demo EU DCC payloads. Names are invented; codes are real EU value-set codes.
export const DEMO_HOLDER = {
  nam: { fn: 'Pratama-Müller', fnt: 'PRATAMA<MUELLER', gn: 'Ayu Lestari', gnt: 'AYU<LESTARI' },
  dob: '1990-04-12',
};

export function vaccination(opts: { dn: number; sd: number; dt: string; mp?: string; co?: string; ci?: string }) {
  return {
    ver: '1.3.0',
    nam: { ...DEMO_HOLDER.nam },
    dob: DEMO_HOLDER.dob,
    v: [
      {
        tg: '840539006',
        vp: '1119349007',
        mp: opts.mp ?? 'EU/1/20/1528',
        ma: 'ORG-100030215',
        dn: opts.dn,
        sd: opts.sd,
        dt: opts.dt,
        co: opts.co ?? 'NL',
        is: 'Lintas Demo Health Authority',
        ci: opts.ci ?? `URN:UVCI:01:NL:DEMO${opts.dn}${opts.sd}${opts.dt.replace(/-/g, '')}#0`,
      },
    ],
  };
}

export function test(opts: { tt: 'LP6464-4' | 'LP217198-3'; tr: '260415000' | '260373001'; sc: string; co?: string; ci?: string }) {
  return {
    ver: '1.3.0',
    nam: { ...DEMO_HOLDER.nam },
    dob: DEMO_HOLDER.dob,
    t: [
      {
        tg: '840539006',
        tt: opts.tt,
        ...(opts.tt === 'LP6464-4' ? { nm: 'Demo PCR assay' } : { ma: '1232' }),
        sc: opts.sc,
        tr: opts.tr,
        tc: 'Lintas Demo Test Centre',
        co: opts.co ?? 'NL',
        is: 'Lintas Demo Health Authority',
        ci: opts.ci ?? `URN:UVCI:01:NL:DEMOTEST${opts.sc.replace(/\D/g, '').slice(0, 12)}#0`,
      },
    ],
  };
}

export function recovery(opts: { fr: string; df: string; du: string; co?: string; ci?: string }) {
  return {
    ver: '1.3.0',
    nam: { ...DEMO_HOLDER.nam },
    dob: DEMO_HOLDER.dob,
    r: [
      {
        tg: '840539006',
        fr: opts.fr,
        co: opts.co ?? 'NL',
        is: 'Lintas Demo Health Authority',
        df: opts.df,
        du: opts.du,
        ci: opts.ci ?? `URN:UVCI:01:NL:DEMOREC${opts.fr.replace(/-/g, '')}#0`,
      },
    ],
  };
}
