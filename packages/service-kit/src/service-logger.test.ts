import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createServiceLogger } from './service-logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return {
    lines,
    destination: Object.assign(destination, { write: destination.write.bind(destination) }),
  };
}

describe('createServiceLogger', () => {
  it('writes JSON lines by default', () => {
    const { lines, destination } = capture();
    createServiceLogger({ level: 'info', service: 'svc', destination }).info({ n: 1 }, 'hello');
    expect(JSON.parse(lines.join(''))).toMatchObject({ service: 'svc', n: 1, msg: 'hello' });
  });

  it('writes one readable line per entry under LOG_FORMAT=pretty, still redacting secrets', () => {
    const { lines, destination } = capture();
    const logger = createServiceLogger({
      level: 'info',
      format: 'pretty',
      service: 'svc',
      destination,
    });
    logger.info({ password: 'hunter2', n: 1 }, 'hello');
    const text = lines.join('');
    expect(text).toMatch(/INFO.*hello/);
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).not.toContain('hunter2');
    expect(() => JSON.parse(text)).toThrow();
  });
});
