import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { launchRedisCluster, parseClusterNodes } from '../src/index.js';

describe('launchRedisCluster', () => {
  it('starts three masters with all slots assigned, usable through a cluster client', async () => {
    const cluster = await launchRedisCluster({ own: true });
    try {
      expect(cluster.nodes).toHaveLength(3);
      const client = new Cluster(cluster.nodes);
      // Keys with different hash tags land on different masters; all must be writable.
      for (let i = 0; i < 30; i++) await client.set(`{tag${i}}:k`, String(i));
      for (let i = 0; i < 30; i++) expect(await client.get(`{tag${i}}:k`)).toBe(String(i));
      const masters = client.nodes('master');
      expect(masters).toHaveLength(3);
      const keysPerMaster = await Promise.all(masters.map((node) => node.dbsize()));
      expect(keysPerMaster.every((count) => count > 0)).toBe(true);
      client.disconnect();
    } finally {
      await cluster.stop();
    }
  });

  it('parses REDIS_CLUSTER_NODES and rejects a malformed entry', () => {
    expect(parseClusterNodes('127.0.0.1:7000, localhost:7001')).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: 'localhost', port: 7001 },
    ]);
    expect(() => parseClusterNodes('127.0.0.1')).toThrow(/expected host:port/);
  });
});
