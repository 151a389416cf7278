import { connect } from 'node:net';

export interface PingResult {
  ok: boolean;
  /** The first reply line, e.g. `+PONG` or `-LOADING Redis is loading the dataset in memory`. */
  reply?: string;
  error?: Error;
}

/**
 * Sends one RESP PING over a raw socket. No client library: the launcher must be able to
 * probe a server before anything else is set up, and must never hang (hard timeout).
 */
export function pingRedis(
  host: string,
  port: number,
  {
    timeoutMs = 1000,
    auth,
  }: { timeoutMs?: number; auth?: { username?: string; password: string } } = {},
): Promise<PingResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let buffer = '';
    let settled = false;
    const finish = (result: PingResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: new Error(`no reply within ${timeoutMs} ms`) }),
      timeoutMs,
    );
    socket.on('error', (error) => finish({ ok: false, error }));
    socket.on('connect', () => {
      const commands: string[][] = [];
      if (auth)
        commands.push(
          auth.username ? ['AUTH', auth.username, auth.password] : ['AUTH', auth.password],
        );
      commands.push(['PING']);
      socket.write(commands.map(encodeCommand).join(''));
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\r\n').filter(Boolean);
      const expected = auth ? 2 : 1;
      if (lines.length >= expected) {
        const authReply = auth ? lines[0] : undefined;
        const reply = lines[expected - 1]!;
        if (authReply?.startsWith('-'))
          finish({ ok: false, reply: authReply, error: new Error(authReply.slice(1)) });
        else finish({ ok: reply === '+PONG', reply });
      }
    });
  });
}

function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}
