/**
 * What watching costs Redis: a private redis-server, one topic of 64 partitions with two
 * groups (an ordered one holding leases, one with pending entries and 4 consumers), the
 * dashboard taking a snapshot a second for DURATION_S (default 60). Reports Redis's own CPU
 * time (INFO used_cpu_sys + used_cpu_user) over the run as a share of one core, and the
 * commands it served per snapshot (INFO commandstats). `pnpm --filter @redstream/dashboard measure`
 */
import { createStreamClient } from '@redstream/stream-client';
import { launchRedis } from '@redstream/testkit';
import { startDashboard } from '../src/index.js';

const PARTITIONS = 64;
const durationS = Number(process.env.DURATION_S ?? '60');

const redis = await launchRedis({ own: true });
const client = await createStreamClient({ url: redis.url });
try {
  const topic = 'measured';
  await client.ensureTopic(topic, { partitions: PARTITIONS });
  for (let p = 0; p < PARTITIONS; p++) {
    const stream = client.keys.partitionStream(topic, p);
    const pipeline = client.redis.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.xadd(stream, '*', 'n', String(i));
    await pipeline.exec();
    for (const group of ['ordered', 'shared']) {
      await client.redis.xgroup('CREATE', stream, group, '0');
      await client.redis.sadd(client.keys.groups(topic), group);
    }
    // The ordered group: one owner per partition with a lease, everything read and acked but 20.
    await client.redis.set(client.keys.lease(topic, p, 'ordered'), `replica-${p % 4}|${p + 1}`);
    await client.redis.xreadgroup(
      'GROUP',
      'ordered',
      `replica-${p % 4}`,
      'COUNT',
      20,
      'STREAMS',
      stream,
      '>',
    );
    // The shared group: four consumers each holding some pending entries.
    for (let c = 0; c < 4; c++)
      await client.redis.xreadgroup(
        'GROUP',
        'shared',
        `worker-${c}`,
        'COUNT',
        50,
        'STREAMS',
        stream,
        '>',
      );
  }
  await client.redis.zadd(
    client.keys.members(topic, 'ordered'),
    Date.now() + 3_600_000,
    'replica-0',
  );

  const cpu = async () => {
    const info = await client.redis.info('cpu');
    const read = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)![1]);
    return read('used_cpu_sys') + read('used_cpu_user');
  };
  // Idle Redis for the same time first: the baseline its own timers cost.
  const idleStart = await cpu();
  await new Promise((resolve) => setTimeout(resolve, durationS * 1000));
  const idleCpu = (await cpu()) - idleStart;

  await client.redis.config('RESETSTAT');
  const dashboard = await startDashboard({ client, port: 0, topics: [topic] });
  const before = await cpu();
  const started = Date.now();
  let snapshots = 0;
  dashboard.poller.subscribe(() => snapshots++);
  await new Promise((resolve) => setTimeout(resolve, durationS * 1000));
  const watchedCpu = (await cpu()) - before;
  const elapsedS = (Date.now() - started) / 1000;
  await dashboard.close();
  const stats = await client.redis.info('commandstats');
  const calls = [...stats.matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g)].map(
    ([, name, count, usec]) => ({
      name: String(name),
      calls: Number(count),
      usec: Number(usec),
    }),
  );
  const snapshotCalls = calls.filter((row) => row.name !== 'info' && row.name !== 'config');
  const result = {
    partitions: PARTITIONS,
    groups: 2,
    seconds: Math.round(elapsedS),
    snapshots,
    redisCpuIdleSeconds: Number(idleCpu.toFixed(3)),
    redisCpuWatchedSeconds: Number(watchedCpu.toFixed(3)),
    shareOfOneCore: `${((100 * Math.max(0, watchedCpu - idleCpu)) / elapsedS).toFixed(2)} %`,
    commandsPerSnapshot: Object.fromEntries(
      snapshotCalls.map((row) => [row.name, Number((row.calls / snapshots).toFixed(1))]),
    ),
    // Commands a script runs are counted on their own as well: the scripts' time is the cost.
    scriptUsecPerSnapshot: Math.round(
      snapshotCalls
        .filter((row) => row.name.startsWith('eval'))
        .reduce((sum, row) => sum + row.usec, 0) / snapshots,
    ),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await client.close();
  await redis.stop();
}
