import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { TestkitError } from './errors.js';
import { ServiceProcess, type SpawnServiceOptions } from './service-process.js';

const run = promisify(execFile);

/** Every namespace this helper creates is named `<prefix><pid>-<random>`. */
export const NETNS_PREFIX = 'rstest-';

export interface NetnsSupport {
  supported: boolean;
  /** Why not, in words a skipped test can print. */
  reason?: string;
}

let support: Promise<NetnsSupport> | undefined;

/**
 * Whether this machine lets the process create network namespaces and veth pairs: Linux, root
 * (or CAP_NET_ADMIN + CAP_SYS_ADMIN), `ip` on PATH, and `ip netns add` not refused (a
 * container without privileges refuses it). Probed once per process by creating and deleting
 * a throwaway namespace and veth pair.
 */
export function netnsSupport(): Promise<NetnsSupport> {
  support ??= probe();
  return support;
}

async function probe(): Promise<NetnsSupport> {
  if (process.platform !== 'linux')
    return {
      supported: false,
      reason: `network namespaces need Linux (this is ${process.platform})`,
    };
  if (process.getuid?.() !== 0)
    return {
      supported: false,
      reason: 'network namespaces need root (ip netns add); run as root, as CI does',
    };
  try {
    await run('ip', ['-V']);
  } catch {
    return { supported: false, reason: "the 'ip' command (iproute2) is not on PATH" };
  }
  await cleanupStaleNamespaces();
  const name = `${NETNS_PREFIX}${process.pid}-probe`;
  const suffix = randomBytes(3).toString('hex');
  try {
    await ip(['netns', 'add', name]);
    await ip(['link', 'add', `rsph${suffix}`, 'type', 'veth', 'peer', 'name', `rspn${suffix}`]);
    await ip(['link', 'set', `rspn${suffix}`, 'netns', name]);
    return { supported: true };
  } catch (error) {
    return {
      supported: false,
      reason: `this machine refuses network namespaces or veth pairs: ${(error as Error).message.trim()}`,
    };
  } finally {
    await ip(['link', 'del', `rsph${suffix}`]).catch(() => {});
    await ip(['netns', 'del', name]).catch(() => {});
  }
}

async function ip(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: 10_000 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new TestkitError('TESTKIT_NETNS', `ip ${args.join(' ')} failed: ${stderr || error}`, {
      cause: error,
    });
  }
}

/**
 * Deletes namespaces left by crashed runs: those named with NETNS_PREFIX whose creating process
 * is gone. Deleting a namespace deletes its veth end, and with it the host end.
 */
export async function cleanupStaleNamespaces(): Promise<string[]> {
  let listing: string;
  try {
    listing = await ip(['netns', 'list']);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const line of listing.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    await ip(['netns', 'del', name]).catch(() => {});
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A network namespace joined to the host's by a veth pair on a private /30
 * (10.213.x.y+1 on the host side, +2 inside), loopback up inside. A process spawned in it
 * reaches host services only through `hostAddress`; `cut()` takes the host end of the link
 * down, so packets are silently dropped: open TCP connections hang (no RST, no FIN) and new
 * ones time out, as in a real network partition; `heal()` brings it back and the same TCP
 * connections resume.
 */
export class NetworkNamespace {
  private destroyed = false;
  private readonly spawned: ServiceProcess[] = [];

  private constructor(
    readonly name: string,
    readonly hostVeth: string,
    readonly namespaceVeth: string,
    /** The host side of the link: bind servers here so the namespace can reach them. */
    readonly hostAddress: string,
    /** The namespace side of the link. */
    readonly namespaceAddress: string,
  ) {}

  /** Creates a namespace and its link. Throws a TestkitError where namespaces are refused. */
  static async create(): Promise<NetworkNamespace> {
    const supported = await netnsSupport();
    if (!supported.supported)
      throw new TestkitError('TESTKIT_NETNS_UNSUPPORTED', supported.reason ?? 'unsupported');
    const suffix = randomBytes(3).toString('hex');
    const name = `${NETNS_PREFIX}${process.pid}-${suffix}`;
    const [hostAddress, namespaceAddress] = await freeSubnet();
    const namespace = new NetworkNamespace(
      name,
      `rsh${suffix}`,
      `rsn${suffix}`,
      hostAddress,
      namespaceAddress,
    );
    try {
      await ip(['netns', 'add', name]);
      await ip([
        'link',
        'add',
        namespace.hostVeth,
        'type',
        'veth',
        'peer',
        'name',
        namespace.namespaceVeth,
      ]);
      await ip(['link', 'set', namespace.namespaceVeth, 'netns', name]);
      await ip(['addr', 'add', `${hostAddress}/30`, 'dev', namespace.hostVeth]);
      await ip(['link', 'set', namespace.hostVeth, 'up']);
      await ip([
        '-n',
        name,
        'addr',
        'add',
        `${namespaceAddress}/30`,
        'dev',
        namespace.namespaceVeth,
      ]);
      await ip(['-n', name, 'link', 'set', namespace.namespaceVeth, 'up']);
      await ip(['-n', name, 'link', 'set', 'lo', 'up']);
    } catch (error) {
      await namespace.destroy();
      throw error;
    }
    return namespace;
  }

  /** Spawns `command` inside the namespace (`ip netns exec` execs it: same pid, signals reach it). */
  spawn(command: string, args: string[], options: SpawnServiceOptions = {}): ServiceProcess {
    if (this.destroyed) throw new TestkitError('TESTKIT_NETNS', `${this.name} is destroyed`);
    const child = ServiceProcess.spawn(
      'ip',
      ['netns', 'exec', this.name, command, ...args],
      options,
    );
    this.spawned.push(child);
    return child;
  }

  /** Drops every packet between the namespace and the host from now on (TCP hangs, no reset). */
  async cut(): Promise<void> {
    await ip(['link', 'set', this.hostVeth, 'down']);
  }

  /** Restores the link; connections that hung resume where they were. */
  async heal(): Promise<void> {
    await ip(['link', 'set', this.hostVeth, 'up']);
  }

  /** SIGKILLs what was spawned inside and deletes the namespace and its link. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const child of this.spawned) {
      child.signal('SIGCONT');
      child.signal('SIGKILL');
    }
    await Promise.all(this.spawned.map((child) => child.exited));
    await ip(['link', 'del', this.hostVeth]).catch(() => {});
    await ip(['netns', 'del', this.name]).catch(() => {});
  }
}

/** A /30 in 10.213.0.0/16 that no interface on the host uses yet: [host side, namespace side]. */
async function freeSubnet(): Promise<[string, string]> {
  const used = await ip(['-o', '-4', 'addr', 'show']);
  for (let attempt = 0; attempt < 100; attempt++) {
    const [third, block] = [...randomBytes(2)];
    const base = (block! % 64) * 4;
    const prefix = `10.213.${third}.`;
    if (used.includes(`${prefix}${base + 1}/`) || used.includes(`${prefix}${base + 2}/`)) continue;
    return [`${prefix}${base + 1}`, `${prefix}${base + 2}`];
  }
  throw new TestkitError('TESTKIT_NETNS', 'no free /30 in 10.213.0.0/16');
}
