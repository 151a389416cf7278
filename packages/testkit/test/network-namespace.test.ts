import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupStaleNamespaces,
  findServerBinary,
  NETNS_PREFIX,
  NetworkNamespace,
  netnsSupport,
  RedisServerProcess,
  sleep,
} from '../src/index.js';

const support = await netnsSupport();
// CI runs as root and must exercise this; elsewhere a refused `ip netns add` skips, saying why.
const mustRun = Boolean(process.env.CI);
if (!support.supported && !mustRun)
  console.warn(`skipping network-namespace tests: ${support.reason}`);

// A child in the namespace talks RESP to the server and prints what happens, line by line.
const probe = (host: string, port: number) => `
const socket = require('node:net').connect(${port}, '${host}', () => console.log('connected'));
socket.on('data', (data) => console.log('reply ' + JSON.stringify(String(data))));
socket.on('error', (error) => console.log('error ' + error.message));
socket.on('close', () => console.log('closed'));
process.stdin.resume();
setInterval(() => socket.write('PING\\r\\n'), 200);
`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!support.supported && !mustRun)('NetworkNamespace', () => {
  it('reports whether namespaces are allowed', () => {
    // In CI this fails with the reason instead of silently skipping the partition tests.
    expect(support, support.reason).toEqual({ supported: true });
  });

  it('reaches a server on the host address; cut() hangs the connection without a reset; heal() resumes it', async () => {
    const namespace = await NetworkNamespace.create();
    cleanups.push(() => namespace.destroy());
    const server = await RedisServerProcess.start(findServerBinary()!, {
      bind: [namespace.hostAddress],
    });
    cleanups.push(() => server.stop());
    const child = namespace.spawn(process.execPath, [
      '-e',
      probe(namespace.hostAddress, server.port),
    ]);
    await child.waitForLine(/^reply "\+PONG/);
    await namespace.cut();
    await sleep(300);
    const linesAtCut = child.lines.length;
    await sleep(2500);
    // Nothing came back, and the socket neither errored nor closed: packets are dropped.
    const duringCut = child.lines.slice(linesAtCut);
    expect(duringCut.filter((line) => line.startsWith('reply'))).toEqual([]);
    expect(duringCut.filter((line) => /^(error|closed)/.test(line))).toEqual([]);
    await namespace.heal();
    // The same TCP connection resumes (retransmission), with the PINGs sent during the cut.
    await child.waitForLine(/PONG.*PONG/, 15_000);
    expect(child.lines.filter((line) => line === 'connected')).toHaveLength(1);
  });

  it('cannot reach the host loopback from inside (only the veth address)', async () => {
    const namespace = await NetworkNamespace.create();
    cleanups.push(() => namespace.destroy());
    const server = await RedisServerProcess.start(findServerBinary()!);
    cleanups.push(() => server.stop());
    const child = namespace.spawn(process.execPath, ['-e', probe('127.0.0.1', server.port)]);
    await child.waitForLine(/^error .*ECONNREFUSED/);
  });

  it('destroy() removes the namespace and its link, and kills what runs inside', async () => {
    const namespace = await NetworkNamespace.create();
    const child = namespace.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await sleep(200);
    await namespace.destroy();
    expect(child.running).toBe(false);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(
      namespace.name,
    );
    expect(execFileSync('ip', ['link', 'show'], { encoding: 'utf8' })).not.toContain(
      namespace.hostVeth,
    );
    await namespace.destroy();
  });

  it('cleans up namespaces left by a crashed run (dead creator pid)', async () => {
    // pid 2^22 + 1 is above Linux's pid_max limit, so no live process has it.
    const stale = `${NETNS_PREFIX}4194305-dead`;
    execFileSync('ip', ['netns', 'add', stale]);
    expect(await cleanupStaleNamespaces()).toContain(stale);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(stale);
  });
});
