import { uniqueName } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import { PartitionMismatchError, TopicNotFoundError } from '../src/index.js';
import { useRedis } from './helpers/redis.js';

// FLUSHALL: this file needs a private server.
const env = useRedis({ own: true });

describe('restoring topic metadata', () => {
  it('puts a flushed topic back with its partitions, retention and creation time', async () => {
    const admin = await env.client();
    const consumer = await env.client();
    const topic = uniqueName('topic');
    const retention = { maxLen: 100, maxAgeMs: 3_600_000, safe: true };
    await admin.ensureTopic(topic, { partitions: 3, retention });
    // The consumer side learns the topic the way subscribe does.
    const seen = await consumer.topics.requireTopic(topic);

    await admin.redis.flushall();
    expect(await admin.topics.getTopic(topic, { fresh: true })).toBeUndefined();

    const restored = await consumer.topics.restoreTopic(topic);
    expect(restored).toEqual({ name: topic, partitions: 3, retention, createdAt: seen.createdAt });
    expect(await admin.topics.getTopic(topic, { fresh: true })).toEqual(restored);
    expect(await admin.topics.listTopics()).toContain(topic);
  });

  it('leaves metadata that is still there as it is', async () => {
    const admin = await env.client();
    const consumer = await env.client();
    const topic = uniqueName('topic');
    await admin.ensureTopic(topic, { partitions: 2, retention: { maxLen: 100 } });
    await consumer.topics.requireTopic(topic);
    // Changed by another process after the consumer read it: the stored config wins.
    await admin.ensureTopic(topic, { partitions: 2, retention: { maxLen: 5000 } });
    expect(await consumer.topics.restoreTopic(topic)).toMatchObject({
      partitions: 2,
      retention: { maxLen: 5000 },
    });
    // A topic re-created with another partition count is not silently remapped.
    await admin.redis.flushall();
    await admin.ensureTopic(topic, { partitions: 4 });
    await expect(consumer.topics.restoreTopic(topic)).rejects.toBeInstanceOf(
      PartitionMismatchError,
    );
  });

  it('restores only topics this process has seen', async () => {
    const client = await env.client();
    await expect(client.topics.restoreTopic(uniqueName('never-seen'))).rejects.toBeInstanceOf(
      TopicNotFoundError,
    );
  });
});
