import { describe, expect, it } from 'vitest';
import { commandRates, parseCommandCalls, parseCpuSeconds } from './bench-redis.js';

describe('parseCpuSeconds', () => {
  it('adds user and system CPU of an INFO CPU reply', () => {
    const info =
      '# CPU\r\nused_cpu_sys:3.115342\r\nused_cpu_user:15.459887\r\nused_cpu_sys_children:0.000000\r\n';
    expect(parseCpuSeconds(info)).toBeCloseTo(18.575229, 6);
  });

  it('is NaN when the reply lacks the fields', () => {
    expect(parseCpuSeconds('# CPU\r\n')).toBeNaN();
  });
});

describe('parseCommandCalls and commandRates', () => {
  const before =
    '# Commandstats\r\ncmdstat_xadd:calls=10,usec=100,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=2,usec=50,usec_per_call=25.00\r\n';
  const after =
    '# Commandstats\r\ncmdstat_xadd:calls=30,usec=300,usec_per_call=10.00\r\ncmdstat_evalsha:calls=5,usec=500,usec_per_call=100.00\r\ncmdstat_info:calls=4,usec=90,usec_per_call=22.50\r\ncmdstat_get:calls=7,usec=7\r\n';

  it('reads the calls of each command', () => {
    expect(parseCommandCalls(before)).toEqual({ xadd: 10, info: 2 });
    expect(parseCommandCalls('# Commandstats\r\n')).toEqual({});
  });

  it('divides the new calls by events or seconds, leaving out INFO and unchanged commands', () => {
    const rates = commandRates(
      { ...parseCommandCalls(before), get: 7 },
      parseCommandCalls(after),
      10,
    );
    expect(rates).toEqual({ xadd: 2, evalsha: 0.5 });
  });
});
