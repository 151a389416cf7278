import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterEvents } from './helpers/fixtures.js';
import { cliFor } from './helpers/run-cli.js';

let redis: LaunchedRedis;
let client: StreamClient;
let cli: ReturnType<typeof cliFor>;

beforeAll(async () => {
  redis = await launchRedis();
  client = await createStreamClient({ url: redis.url });
  cli = cliFor(redis.url);
});

afterAll(async () => {
  await client?.close();
  await redis?.stop();
});

/** A topic with 6 dead letters of group `g`: 3 `order.paid` (keys o-0..o-2), 3 `order.shipped`. */
async function topicWithDeadLetters(): Promise<string> {
  const topic = uniqueName('dlq');
  await client.ensureTopic(topic, { partitions: 2 });
  await deadLetterEvents(client, topic, 'g', [
    ...[0, 1, 2].map((i) => ({ type: 'order.paid', key: `o-${i}`, payload: { i } })),
    ...[3, 4, 5].map((i) => ({ type: 'order.shipped', key: `o-${i}`, payload: { i } })),
  ]);
  return topic;
}

const deadLetterCount = async (topic: string) =>
  (await client.admin.describeTopic(topic)).totalDeadLetters;

describe('dlq list and show', () => {
  let topic: string;
  beforeAll(async () => {
    topic = await topicWithDeadLetters();
  });

  it('lists every dead letter with its reason, group and event (--json)', async () => {
    const run = await cli(['dlq', 'list', topic, '--json']);
    expect(run.code).toBe(0);
    const { deadLetters } = run.json();
    expect(deadLetters).toHaveLength(6);
    for (const deadLetter of deadLetters) {
      expect(deadLetter).toMatchObject({
        reason: 'non-retriable',
        group: 'g',
        consumer: 'failing',
        attempts: 1,
        error: expect.stringContaining('refused'),
      });
      expect(deadLetter.originId).toMatch(/^\d+-\d+$/);
      expect(deadLetter.event.payload).toEqual({ i: Number(deadLetter.event.key.slice(2)) });
    }
  });

  it('filters by type, key and error text; --count limits', async () => {
    const byType = await cli(['dlq', 'list', topic, '--filter', 'type=order.paid', '--json']);
    expect(byType.json().deadLetters).toHaveLength(3);
    const byTypeAndKey = await cli([
      'dlq',
      'list',
      topic,
      '--filter',
      'type=order.paid,key=o-1',
      '--json',
    ]);
    expect(
      byTypeAndKey.json().deadLetters.map((d: { event: { key: string } }) => d.event.key),
    ).toEqual(['o-1']);
    const byError = await cli(['dlq', 'list', topic, '--filter', 'error~order.shipped', '--json']);
    expect(byError.json().deadLetters).toHaveLength(3);
    const notPaid = await cli(['dlq', 'list', topic, '--filter', 'type!=order.paid', '--json']);
    expect(notPaid.json().deadLetters).toHaveLength(3);
    const limited = await cli(['dlq', 'list', topic, '--count', '2', '--json']);
    expect(limited.json().deadLetters).toHaveLength(2);
    const otherGroup = await cli(['dlq', 'list', topic, '--group', 'other', '--json']);
    expect(otherGroup.json().deadLetters).toHaveLength(0);
  });

  it('prints a table', async () => {
    const run = await cli(['dlq', 'list', topic, '--filter', 'key=o-4']);
    expect(run.code).toBe(0);
    const [header, row, ...rest] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(
      /^PARTITION {2}ID\s+FAILED AT\s+REASON\s+ATTEMPTS\s+GROUP\s+TYPE\s+KEY\s+ERROR$/,
    );
    expect(row).toMatch(/non-retriable\s+1\s+g\s+order.shipped\s+o-4\s+NonRetriableError: refused/);
    expect(rest).toEqual([]);
  });

  it('shows one dead letter in full by its id or its original id', async () => {
    const [deadLetter] = await client.admin.listDeadLetters(topic, {
      filter: (d) => d.event?.key === 'o-2',
    });
    // Dead letters written in the same millisecond on two partitions share an id: name the partition.
    const byId = await cli([
      'dlq',
      'show',
      topic,
      deadLetter!.id,
      '--partition',
      String(deadLetter!.partition),
      '--json',
    ]);
    expect(byId.code).toBe(0);
    expect(byId.json()).toMatchObject({
      topic,
      id: deadLetter!.id,
      partition: deadLetter!.partition,
      event: { type: 'order.paid', key: 'o-2', payload: { i: 2 } },
      envelope: { type: 'order.paid', key: 'o-2', ct: 'json' },
    });
    const byOrigin = await cli([
      'dlq',
      'show',
      topic,
      deadLetter!.originId,
      '--partition',
      String(deadLetter!.partition),
    ]);
    expect(byOrigin.code).toBe(0);
    expect(byOrigin.stdout).toMatch(/^reason: +non-retriable$/m);
    expect(byOrigin.stdout).toContain('payload:\n{\n  "i": 2\n}\n');
    const missing = await cli(['dlq', 'show', topic, '1-1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: no dead letter 1-1 in ${topic}\n`);
  });
});

describe('dlq redrive', () => {
  it('--dry-run selects without moving anything', async () => {
    const topic = await topicWithDeadLetters();
    const run = await cli([
      'dlq',
      'redrive',
      topic,
      '--filter',
      'type=order.paid',
      '--dry-run',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ topic, dryRun: true, selected: 3, moved: 0, skipped: 0 });
    expect(await deadLetterCount(topic)).toBe(6);
  });

  it('moves the selected dead letters back and a subscriber of the group handles them', async () => {
    const topic = await topicWithDeadLetters();
    const run = await cli(
      ['dlq', 'redrive', topic, '--filter', 'type=order.paid', '--rate', '50', '--progress'],
      {},
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`redrove 3 dead letters of ${topic}\n`);
    expect(run.stderr).toContain('redrive [########################] 3/3 100%');
    expect(await deadLetterCount(topic)).toBe(3);

    const handled: string[] = [];
    const subscription = await client.subscribe({
      topic,
      group: 'g',
      consumer: 'fixed',
      blockMs: 100,
      handler: (event) => {
        handled.push(`${event.type}/${event.key}`);
      },
    });
    try {
      await waitFor(() => handled.length >= 3, { description: 'the 3 redriven events handled' });
    } finally {
      await subscription.close();
    }
    expect(handled.sort()).toEqual(['order.paid/o-0', 'order.paid/o-1', 'order.paid/o-2']);
    const lag = await cli(['lag', topic, '--group', 'g', '--json']);
    expect(lag.json().totals).toMatchObject({ lag: 0, pending: 0 });
  });
});

describe('dlq purge', () => {
  it('asks first and deletes nothing on "n"', async () => {
    const topic = await topicWithDeadLetters();
    const run = await cli(['dlq', 'purge', topic], { stdin: 'n\n', stdinIsTTY: true });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `Delete 6 dead letters of ${topic} (all of them)? This cannot be undone. [y/N] `,
    );
    expect(run.stderr).toContain('error: not confirmed: nothing was deleted');
    expect(await deadLetterCount(topic)).toBe(6);
  });

  it('refuses without a terminal unless --yes', async () => {
    const topic = await topicWithDeadLetters();
    const run = await cli(['dlq', 'purge', topic], { stdin: 'y\n', stdinIsTTY: false });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: refusing to purge dead letters without confirmation: stdin is not a terminal; pass --yes to confirm\n',
    );
    expect(await deadLetterCount(topic)).toBe(6);
  });

  it('deletes the selection on "y", and with --yes without asking', async () => {
    const topic = await topicWithDeadLetters();
    const confirmed = await cli(['dlq', 'purge', topic, '--filter', 'type=order.shipped'], {
      stdin: 'y\n',
      stdinIsTTY: true,
    });
    expect(confirmed.code).toBe(0);
    expect(confirmed.stderr).toContain('Delete 3 dead letters');
    expect(confirmed.stdout).toBe(`purged 3 dead letters of ${topic}\n`);
    expect(await deadLetterCount(topic)).toBe(3);
    const rest = await cli(['dlq', 'purge', topic, '--yes', '--json']);
    expect(rest.code).toBe(0);
    expect(rest.json()).toEqual({ topic, deleted: 3 });
    expect(await deadLetterCount(topic)).toBe(0);
    const empty = await cli(['dlq', 'purge', topic, '--yes']);
    expect(empty.stdout).toBe(`no dead letters in ${topic} match; nothing to purge\n`);
  });
});
