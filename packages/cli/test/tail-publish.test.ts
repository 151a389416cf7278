import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStreamClient, partitionFor, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, sleep, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

async function newTopic(partitions = 3): Promise<string> {
  const topic = uniqueName('tail');
  await client.ensureTopic(topic, { partitions });
  return topic;
}

describe('publish', () => {
  it('publishes to the partition of the key, with headers (--json)', async () => {
    const topic = await newTopic(4);
    const run = await cli([
      'publish',
      topic,
      '--type',
      'order.created',
      '--key',
      'order-42',
      '--data',
      '{"amount":10,"items":["a"]}',
      '--header',
      'traceparent=00-abc-def-01',
      '--header',
      'source=cli',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = run.json();
    expect(result).toMatchObject({ topic, duplicate: false });
    expect(result.partition).toBe(partitionFor('order-42', result.eventId, 4));
    const [entryId, fields] = (
      (await client.redis.xrangeBuffer(
        client.keys.partitionStream(topic, result.partition),
        '-',
        '+',
      )) as Array<[Buffer, Buffer[]]>
    )[0]!;
    expect(entryId.toString()).toBe(result.entryId);
    const event = client.codec.decode(fields);
    expect(event).toMatchObject({
      id: result.eventId,
      type: 'order.created',
      key: 'order-42',
      headers: { traceparent: '00-abc-def-01', source: 'cli' },
      payload: { amount: 10, items: ['a'] },
    });
  });

  it('reads --data from @file and @- (stdin); the same --id twice appends once', async () => {
    const topic = await newTopic(1);
    const dir = await mkdtemp(join(tmpdir(), 'redstream-cli-'));
    await writeFile(join(dir, 'order.json'), '{"from":"file"}');
    const fromFile = await cli(
      ['publish', topic, '--type', 't', '--data', '@order.json', '--id', 'evt-1'],
      { cwd: dir },
    );
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(
      new RegExp(`^published evt-1 to ${topic} partition 0 as \\d+-\\d+\\n$`),
    );
    const again = await cli(
      ['publish', topic, '--type', 't', '--data', '@order.json', '--id', 'evt-1', '--json'],
      {
        cwd: dir,
      },
    );
    expect(again.json()).toMatchObject({ eventId: 'evt-1', duplicate: true });
    const fromStdin = await cli(['publish', topic, '--type', 't', '--data', '@-'], {
      stdin: '{"from":"stdin"}',
    });
    expect(fromStdin.code).toBe(0);
    const tail = await cli(['tail', topic, '--from', 'beginning', '--count', '2', '--json']);
    expect(tail.jsonLines().map((line) => line.event.payload)).toEqual([
      { from: 'file' },
      { from: 'stdin' },
    ]);
  });

  it('refuses bad input with one line and no stack trace', async () => {
    const topic = await newTopic(1);
    const badJson = await cli(['publish', topic, '--type', 't', '--data', '{nope']);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toMatch(/^error: --data: expected JSON \(.*\), received "\{nope"\n$/);
    const badHeader = await cli([
      'publish',
      topic,
      '--type',
      't',
      '--data',
      '1',
      '--header',
      'novalue',
    ]);
    expect(badHeader.stderr).toBe('error: --header: expected name=value, received "novalue"\n');
    const missingFile = await cli([
      'publish',
      topic,
      '--type',
      't',
      '--data',
      '@/nonexistent/x.json',
    ]);
    expect(missingFile.code).toBe(1);
    expect(missingFile.stderr).toMatch(
      /^error: --data @\/nonexistent\/x.json: cannot read .*ENOENT.*\n$/,
    );
    const noType = await cli(['publish', topic, '--data', '1']);
    expect(noType.code).toBe(1);
    expect(noType.stderr).toBe("error: required option '--type <type>' not specified\n");
  });
});

describe('tail', () => {
  it('--from beginning prints the history in order and stops at --count', async () => {
    const topic = await newTopic(3);
    await client.producer().publishMany(
      topic,
      Array.from({ length: 6 }, (_, i) => ({
        type: i % 2 ? 'odd' : 'even',
        key: `k${i}`,
        payload: { i },
      })),
    );
    const run = await cli(['tail', topic, '--from', 'beginning', '--count', '6']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines)
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT\S+Z {2}p\d {2}\d+-\d+ {2}(odd|even) {2}key=k\d {2}\{"i":\d\}$/,
      );
    const keys = lines.map((line) => /key=(k\d)/.exec(line)![1]);
    expect(new Set(keys).size).toBe(6);
  });

  it('filters by --key and --type and prints NDJSON with --json', async () => {
    const topic = await newTopic(3);
    await client.producer().publishMany(
      topic,
      Array.from({ length: 12 }, (_, i) => ({
        type: i % 2 ? 'odd' : 'even',
        key: `k${i % 3}`,
        payload: { i },
      })),
    );
    const run = await cli([
      'tail',
      topic,
      '--from',
      '1h',
      '--key',
      'k1',
      '--type',
      'odd',
      '--count',
      '2',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const events = run.jsonLines();
    expect(events.map((line) => line.event.payload.i)).toEqual([1, 7]);
    expect(events[0]).toMatchObject({
      topic,
      partition: partitionFor('k1', '', 3),
      entryId: expect.stringMatching(/^\d+-\d+$/),
      targetGroup: null,
      decodeError: null,
      event: { type: 'odd', key: 'k1', headers: {}, contentType: 'json' },
    });
  });

  it('by default prints only events that arrive after it starts, and never creates a group', async () => {
    const topic = await newTopic(2);
    await client.producer().publish(topic, { type: 'old', key: 'a', payload: 0 });
    const tail = cli(['tail', topic, '--count', '1', '--json']);
    let published = 0;
    let finished = false;
    void tail.finally(() => {
      finished = true;
    });
    // The tail may need a moment to start: keep publishing until it has printed one.
    while (!finished && published < 100) {
      await client.producer().publish(topic, { type: 'new', key: 'b', payload: ++published });
      await sleep(50);
    }
    const run = await tail;
    expect(run.code).toBe(0);
    expect(run.jsonLines().map((line) => line.event.type)).toEqual(['new']);
    for (let p = 0; p < 2; p++) {
      const stream = client.keys.partitionStream(topic, p);
      if (await client.redis.exists(stream))
        expect(await client.redis.xinfo('GROUPS', stream)).toEqual([]);
    }
    expect(await client.admin.listGroups(topic)).toEqual([]);
  });

  it('shows undecodable entries instead of stopping, and stops on Ctrl-C', async () => {
    const topic = await newTopic(1);
    await client.redis.xadd(client.keys.partitionStream(topic, 0), '*', 'v', '1', 'p', 'garbage');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const run = await cli(['tail', topic, '--from', 'beginning'], { signal: controller.signal });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\S+ {2}p0 {2}\d+-\d+ {2}<undecodable: .+>\n$/);
  });

  it('rejects a --from it cannot read and a partition the topic does not have', async () => {
    const topic = await newTopic(2);
    const bad = await cli(['tail', topic, '--from', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: --from: expected .*, received "soon"\n$/);
    const outside = await cli(['tail', topic, '--partition', '5', '--count', '1']);
    expect(outside.stderr).toBe(
      `error: --partition: expected partitions 0-1 of ${topic}, received "5"\n`,
    );
  });
});
