import { describe, expect, it } from 'vitest';
import { ServiceProcess } from '../src/index.js';

// "started" is printed only once the SIGTERM handler is in place, or a fast test would kill
// the child before it can drain.
const script = `
process.on('SIGTERM', () => { console.log('draining'); setTimeout(() => { process.exitCode = 0; process.exit(); }, 50); });
console.log(JSON.stringify({ msg: 'started', pid: process.pid }));
setInterval(() => {}, 1000);
`;

describe('ServiceProcess', () => {
  it('captures lines, parses JSON logs, and stops with SIGTERM', async () => {
    const service = ServiceProcess.spawn(process.execPath, ['-e', script], { name: 'fixture' });
    await service.waitForLine(/started/);
    expect(service.jsonLines()[0]).toMatchObject({ msg: 'started', pid: service.pid });
    const status = await service.stop(5000);
    expect(status).toEqual({ code: 0, signal: null });
    expect(service.lines).toContain('draining');
  });

  it('reports a process that exits before printing what was awaited', async () => {
    const service = ServiceProcess.spawn(
      process.execPath,
      ['-e', 'console.log("bye"); process.exit(3)'],
      { name: 'quitter' },
    );
    await expect(service.waitForLine(/never/, 5000)).rejects.toThrow(/quitter exited \(code 3\)/);
  });

  it('SIGKILLs a process that does not exit in time', async () => {
    const service = ServiceProcess.spawn(process.execPath, [
      '-e',
      'process.on("SIGTERM", () => {}); console.log("ignoring SIGTERM"); setInterval(() => {}, 1000)',
    ]);
    // Not a fixed sleep: under load node takes longer than that to install the handler, and a
    // SIGTERM before it would end the child the ordinary way.
    await service.waitForLine(/ignoring SIGTERM/, 10_000);
    service.signal('SIGTERM');
    await expect(service.waitForExit(300)).rejects.toThrow(/did not exit within 300 ms/);
    expect((await service.exited).signal).toBe('SIGKILL');
  });

  it('has every line the process printed once it has exited', async () => {
    const service = ServiceProcess.spawn(process.execPath, [
      '-e',
      'for (let i = 0; i < 2000; i++) console.log("line " + i); console.log("last"); process.exitCode = 3',
    ]);
    expect(await service.exited).toEqual({ code: 3, signal: null });
    expect(service.lines.at(-1)).toBe('last');
    expect(service.lines).toHaveLength(2001);
  });

  it('removes a variable from the child env when it is set to undefined', async () => {
    process.env.REDSTREAM_TESTKIT_PROBE = 'inherited';
    const service = ServiceProcess.spawn(
      process.execPath,
      ['-e', 'console.log(process.env.REDSTREAM_TESTKIT_PROBE ?? "unset")'],
      {
        env: { REDSTREAM_TESTKIT_PROBE: undefined },
      },
    );
    await service.exited;
    delete process.env.REDSTREAM_TESTKIT_PROBE;
    expect(service.lines).toEqual(['unset']);
  });
});
