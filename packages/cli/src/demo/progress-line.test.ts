import { describe, expect, it } from 'vitest';
import { ProgressReporter, renderProgress } from './progress-line.js';

const state = {
  elapsedMs: 8200,
  published: 20_000,
  total: 20_000,
  producerDone: true,
  handled: 15_342,
  lag: 4658,
  replicas: [
    { name: 'consumer-1', handled: 5200, state: 'running' },
    { name: 'consumer-2', handled: 5100, state: 'killed' },
  ],
};

describe('progress', () => {
  it('renders published, handled, lag and each replica on one line', () => {
    expect(renderProgress(state)).toBe(
      '   8.2s published 20000/20000 (done)  handled 15342  lag 4658 | consumer-1 5200  consumer-2 5100 (killed)',
    );
  });

  it('redraws in place on a terminal and appends every few seconds elsewhere', () => {
    let tty = '';
    const onTerminal = new ProgressReporter({ write: (text: string) => (tty += text) }, true);
    onTerminal.update(state);
    onTerminal.update({ ...state, elapsedMs: 8300 });
    expect(tty.split('\r\x1b[K')).toHaveLength(3);
    expect(tty).not.toContain('\n');

    let log = '';
    const inLog = new ProgressReporter({ write: (text: string) => (log += text) }, false, 2000);
    inLog.update({ ...state, elapsedMs: 1000 });
    inLog.update({ ...state, elapsedMs: 2000 });
    inLog.update({ ...state, elapsedMs: 3100 });
    inLog.update({ ...state, elapsedMs: 3200 }, true);
    expect(log.trim().split('\n')).toHaveLength(3);
  });
});
