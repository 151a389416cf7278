import { connect, type Socket } from 'node:net';
import { TestkitError } from './errors.js';

type Reply = string | number | null | Reply[];

/**
 * A minimal RESP2 client for the few admin commands the launchers send (CLUSTER ADDSLOTSRANGE,
 * MEET, INFO) before any real client can be used: a cluster node rejects ordinary clients
 * until the cluster is formed, and the testkit must not depend on the library under test.
 */
export class RespConnection {
  private buffer = Buffer.alloc(0);
  private readonly waiting: Array<{
    resolve: (reply: Reply) => void;
    reject: (error: Error) => void;
  }> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    socket.on('error', (error) => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    });
  }

  static open(host: string, port: number): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new RespConnection(socket)));
      socket.once('error', reject);
    });
  }

  command(args: string[]): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(
        `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`,
      );
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const waiter = this.waiting.shift();
      if (!waiter) continue;
      if (parsed.error) waiter.reject(new TestkitError('TESTKIT_REDIS_REPLY', parsed.error));
      else waiter.resolve(parsed.value);
    }
  }
}

function parseReply(
  buffer: Buffer,
  start: number,
): { value: Reply; end: number; error?: string } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: null, end: next, error: line };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: Reply[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, position);
        if (!item) return undefined;
        items.push(item.value);
        position = item.end;
      }
      return { value: items, end: position };
    }
    default:
      return { value: null, end: next, error: `unexpected reply type ${type}` };
  }
}
