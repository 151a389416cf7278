import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAt, createGroup } from './helpers/fixtures.js';
import { cliFor } from './helpers/run-cli.js';

let redis: LaunchedRedis;
let client: StreamClient;
let cli: ReturnType<typeof cliFor>;

beforeAll(async () => {
  // A private server: `topics` lists everything, so no other test file may share it.
  redis = await launchRedis({ own: true });
  client = await createStreamClient({ url: redis.url });
  cli = cliFor(redis.url);
});

afterAll(async () => {
  await client?.close();
  await redis?.stop();
});

describe('topic create', () => {
  it('creates a topic with retention, then reports it exists', async () => {
    const name = uniqueName('orders');
    const created = await cli([
      'topic',
      'create',
      name,
      '--partitions',
      '4',
      '--max-len',
      '1000',
      '--max-age',
      '7d',
      '--safe',
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({
      name,
      partitions: 4,
      retention: { maxLen: 1000, maxAgeMs: 7 * 86_400_000, safe: true },
      created: true,
    });
    expect(await client.topics.getTopic(name, { fresh: true })).toMatchObject({ partitions: 4 });
    const again = await cli(['topic', 'create', name, '--partitions', '4']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `topic ${name} exists: 4 partitions, retention max-len 1000, max-age 7d, safe\n`,
    );
  });

  it('refuses a different partition count and bad flag values in one line', async () => {
    const name = uniqueName('orders');
    await cli(['topic', 'create', name, '--partitions', '2']);
    const mismatch = await cli(['topic', 'create', name, '--partitions', '3']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toBe(
      `error: topic ${name} has 2 partitions in Redis but 3 were configured; use 2, or create a new topic (partitions are never remapped silently)\n`,
    );
    const zero = await cli(['topic', 'create', uniqueName('x'), '--partitions', '0']);
    expect(zero.stderr).toBe('error: --partitions: expected an integer >= 1, received "0"\n');
    const badAge = await cli([
      'topic',
      'create',
      uniqueName('x'),
      '--partitions',
      '1',
      '--max-age',
      '7',
    ]);
    expect(badAge.stderr).toMatch(
      /^error: --max-age: expected a duration like .*, received "7"\n$/,
    );
    const badName = await cli(['topic', 'create', 'a:b', '--partitions', '1']);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/^error: invalid topic name "a:b": expected .*\n$/);
  });
});

describe('topic describe and topics', () => {
  it('describes partitions with lengths, ids and dead letters', async () => {
    const name = uniqueName('orders');
    await client.ensureTopic(name, { partitions: 2 });
    const t0 = Date.now() - 60_000;
    const ids = [
      await appendAt(client, name, 1, t0, { type: 't', key: null, payload: 1 }),
      await appendAt(client, name, 1, t0 + 1000, { type: 't', key: null, payload: 2 }),
    ];
    await createGroup(client, name, 1, 'g');
    const run = await cli(['topic', 'describe', name, '--json']);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      name,
      partitions: 2,
      retention: { maxLen: null, maxAgeMs: null, safe: false },
      groups: ['g'],
      totalLength: 2,
      totalDeadLetters: 0,
      partitionDetails: [
        { partition: 0, length: 0, firstId: null, lastId: null, deadLetters: 0 },
        { partition: 1, length: 2, firstId: ids[0], lastId: ids[1], deadLetters: 0 },
      ],
    });
    const human = await cli(['topic', 'describe', name]);
    expect(human.stdout).toMatch(/^partitions: +2$/m);
    expect(human.stdout).toMatch(new RegExp(`^\\s+1\\s+2\\s+${ids[0]}\\s+${ids[1]}\\s`, 'm'));
  });

  it('lists topics (--json and table)', async () => {
    const names = [uniqueName('a-list'), uniqueName('b-list')];
    for (const name of names) await client.ensureTopic(name, { partitions: 3 });
    const run = await cli(['topics', '--json']);
    expect(run.code).toBe(0);
    const listed = run.json().topics.filter((t: { name: string }) => names.includes(t.name));
    expect(listed).toEqual(
      names.map((name) => ({
        name,
        partitions: 3,
        retention: { maxLen: null, maxAgeMs: null, safe: false },
        createdAt: expect.any(Number),
        groups: [],
        totalLength: 0,
        totalDeadLetters: 0,
      })),
    );
    const table = await cli(['topics']);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(
      /^TOPIC +PARTITIONS {2}LENGTH {2}DEAD LETTERS {2}GROUPS +RETENTION +CREATED$/,
    );
    // Numbers are right-aligned under their header.
    const partitionsEnd = header!.indexOf('PARTITIONS') + 'PARTITIONS'.length - 1;
    for (const name of names) {
      const row = rows.find((line) => line.startsWith(`${name} `))!;
      expect(row[partitionsEnd]).toBe('3');
      expect(row).toMatch(/ none +\d{4}-\d\d-\d\dT/);
    }
  });
});
