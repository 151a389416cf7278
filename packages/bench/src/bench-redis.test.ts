import { describe, expect, it } from 'vitest';
import { parseCpuSeconds } from './bench-redis.js';

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
