import { type ServiceProcess, sleep, uniqueName, waitFor } from '@redstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { readLedger } from './helpers/effects-ledger.js';
import { ledgerHandler } from './helpers/ledger-handler.js';
import { pendingOf } from './helpers/pending.js';
import { useRedis } from './helpers/redis.js';
import { sequencedEvents } from './helpers/sequenced-events.js';
import { killReplicaHoldingPending, startWorker } from './helpers/workers.js';

const env = useRedis();
const workers: ServiceProcess[] = [];

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop(2000)));
});

describe('crash recovery (ordering none)', () => {
  it('finishes the pending entries of a SIGKILLed replica within claimIdleMs + claim interval', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 4 });
    const common = await killReplicaHoldingPending({
      client,
      topic,
      partitions: 4,
      events: 400,
      connection: { REDIS_URL: env.redis.url },
      track: (worker) => workers.push(worker),
    });
    const killedAt = Date.now();
    const stranded = await pendingOf(client, topic, 4, 'victim');
    expect(stranded).toBeGreaterThan(0);

    workers.push(
      await startWorker({ ...common, CONSUMER: 'survivor-1' }),
      await startWorker({ ...common, CONSUMER: 'survivor-2' }),
    );
    await waitFor(async () => (await pendingOf(client, topic, 4, 'victim')) === 0, {
      description: "the victim's pending entries to be claimed",
      timeoutMs: 15_000,
    });
    // claimIdleMs (1.5 s) + claim interval (0.3 s), plus the survivors' start-up.
    expect(Date.now() - killedAt).toBeLessThan(1500 + 300 + 5000);
    await waitFor(async () => (await readLedger(client, topic, 4)).applied === 400, {
      description: 'all 400 events applied',
      timeoutMs: 30_000,
    });
    const ledger = await readLedger(client, topic, 4);
    expect(ledger.duplicates).toBe(0);
  });

  it('applies each event once when replicas are killed between handler and ack, again and again', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 2 });
    const common = {
      REDIS_URL: env.redis.url,
      TOPIC: topic,
      GROUP: 'g',
      CLAIM_IDLE_MS: '800',
      CLAIM_INTERVAL_MS: '200',
      HANDLER_DELAY_MS: '40',
      CONCURRENCY: '8',
    };
    await client.producer().publishMany(topic, sequencedEvents(2400, 30));
    workers.push(await startWorker({ ...common, CONSUMER: 'steady' }));
    let killedHolding = 0;
    for (let round = 0; round < 4; round++) {
      const name = `doomed-${round}`;
      const doomed = await startWorker({ ...common, CONSUMER: name });
      await waitFor(async () => (await pendingOf(client, topic, 2, name)) > 0, {
        description: `${name} to hold entries`,
        timeoutMs: 10_000,
      });
      // Let some handlers finish and some be mid-flight: the kill lands between handler and ack.
      await sleep(150);
      doomed.signal('SIGKILL');
      await doomed.exited;
      if ((await pendingOf(client, topic, 2, name)) > 0) killedHolding++;
    }
    expect(killedHolding).toBeGreaterThan(0);
    await waitFor(async () => (await readLedger(client, topic, 2)).applied === 2400, {
      description: 'all 2400 events applied',
      timeoutMs: 60_000,
    });
    const ledger = await readLedger(client, topic, 2);
    expect(ledger.duplicates).toBe(0);
    expect(Object.keys(ledger.perConsumer).length).toBeGreaterThan(1);
    // Every stranded entry was claimed and acked.
    for (let round = 0; round < 4; round++)
      expect(await pendingOf(client, topic, 2, `doomed-${round}`)).toBe(0);
  });

  it('makes the late acks of a replica paused past claimIdleMs harmless: no double effects', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 2 });
    const common = {
      REDIS_URL: env.redis.url,
      TOPIC: topic,
      GROUP: 'g',
      CLAIM_IDLE_MS: '800',
      CLAIM_INTERVAL_MS: '200',
    };
    const sleepy = await startWorker({
      ...common,
      CONSUMER: 'sleepy',
      HANDLER_DELAY_MS: '300',
      CONCURRENCY: '10',
    });
    workers.push(sleepy);
    await client.producer().publishMany(topic, sequencedEvents(300, 30));
    await waitFor(async () => (await pendingOf(client, topic, 2, 'sleepy')) >= 10, {
      description: 'sleepy to hold entries',
    });
    sleepy.signal('SIGSTOP');
    workers.push(await startWorker({ ...common, CONSUMER: 'steady' }));
    await waitFor(async () => (await pendingOf(client, topic, 2, 'sleepy')) === 0, {
      description: "sleepy's entries to be claimed",
      timeoutMs: 15_000,
    });
    sleepy.signal('SIGCONT');
    await waitFor(async () => (await readLedger(client, topic, 2)).applied === 300, {
      description: 'all 300 applied',
      timeoutMs: 30_000,
    });
    await sleep(1000);
    const ledger = await readLedger(client, topic, 2);
    expect(ledger).toMatchObject({ applied: 300, duplicates: 0 });
    expect(ledger.perConsumer.steady).toBeGreaterThan(0);
  });
});

describe('connection cuts (ordering key)', () => {
  it('resumes after CLIENT KILL of its connections mid-read and mid-ack, keeping order and losing nothing', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 4 });
    const victim = await env.client({ clientName: 'victim' });
    const subscription = await victim.subscribe({
      topic,
      group: 'g',
      consumer: 'victim',
      ordering: 'key',
      blockMs: 200,
      heartbeatIntervalMs: 200,
      sessionTimeoutMs: 5000,
      handler: ledgerHandler('victim', 1),
    });
    const producer = client.producer();
    const events = sequencedEvents(1500, 40);
    for (let i = 0; i < events.length; i += 150) {
      await producer.publishMany(topic, events.slice(i, i + 150));
      await sleep(60);
      const list = String(await client.redis.client('LIST'));
      for (const line of list.split('\n').filter((entry) => entry.includes('name=victim'))) {
        const id = /id=(\d+)/.exec(line)?.[1];
        if (id) await client.redis.client('KILL', 'ID', id).catch(() => {});
      }
    }
    await waitFor(async () => (await readLedger(client, topic, 4)).applied === 1500, {
      description: 'all 1500 applied',
      timeoutMs: 40_000,
    });
    await subscription.close();
    expect(await readLedger(client, topic, 4)).toMatchObject({
      applied: 1500,
      duplicates: 0,
      violations: 0,
    });
  });
});
