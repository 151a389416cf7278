import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs here: the compose file and the Dockerfiles are checked as data.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  container_name?: string;
  stop_grace_period?: string;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { redis, producer, consumer } = compose.services as Record<string, Service>;

function seconds(duration: string | undefined): number {
  const match = /^(\d+)s$/.exec(duration ?? '');
  return match ? Number(match[1]) : Number.NaN;
}

describe('docker-compose.yml', () => {
  it('runs Redis 7+ with AOF fsynced every second, noeviction, a healthcheck and a volume', () => {
    expect(Number(/^redis:(\d+)/.exec(redis!.image ?? '')?.[1])).toBeGreaterThanOrEqual(7);
    const command = redis!.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync everysec');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(redis!.healthcheck!.test.join(' ')).toContain('redis-cli ping');
    const [volume, mount] = redis!.volumes![0]!.split(':');
    expect(mount).toBe('/data');
    expect(compose.volumes).toHaveProperty(volume!);
  });

  it('runs the producer in generator mode with its HTTP port, after Redis is healthy', () => {
    expect(producer!.build!.dockerfile).toBe('services/producer/Dockerfile');
    expect(['generator', 'both']).toContain(producer!.environment!.MODE);
    expect(producer!.ports).toContain(`${producer!.environment!.PORT}:8080`);
    expect(producer!.depends_on!.redis!.condition).toBe('service_healthy');
    expect(producer!.environment).toMatchObject({
      TOPIC: 'orders',
      REDIS_URL: 'redis://redis:6379',
    });
  });

  it('keys the producer ingest with a key made once by producer-key, and loads the shipped schema files', () => {
    const keyMaker = compose.services['producer-key'] as Service;
    expect(keyMaker.build!.dockerfile).toBe('services/producer/Dockerfile');
    const command = keyMaker.command!.join(' ');
    expect(command).toMatch(/^node dist\/new-api-key\.js \S+ /);
    expect(command).toContain(`--keys-file ${producer!.environment!.API_KEYS_FILE}`);
    expect(command).toContain('--if-missing');
    const [volume] = keyMaker.volumes![0]!.split(':');
    expect(producer!.volumes).toContain(`${volume}:/keys:ro`);
    expect(compose.volumes).toHaveProperty(volume!);
    expect(producer!.depends_on!['producer-key']!.condition).toBe('service_completed_successfully');
    expect(producer!.environment).not.toHaveProperty('AUTH');
    // A new named volume takes the ownership of the image's directory: node must own /keys.
    const runner = read('services/producer/Dockerfile').split('\nFROM ').at(-1)!;
    expect(runner).toMatch(/^RUN mkdir \/keys && chown node:node \/keys$/m);
    expect(producer!.environment!.SCHEMAS_DIR).toBe('/app/schemas/orders');
    expect(existsSync(`${root}services/producer/schemas/orders/order.created.v1.json`)).toBe(true);
  });

  it('lets the consumer scale: no container_name, no fixed host port, a grace period longer than the drain', () => {
    expect(consumer!.build!.dockerfile).toBe('services/consumer/Dockerfile');
    expect(consumer).not.toHaveProperty('container_name');
    expect(consumer).not.toHaveProperty('ports');
    expect(consumer!.environment).not.toHaveProperty('CONSUMER_NAME');
    expect(consumer!.depends_on!.redis!.condition).toBe('service_healthy');
    expect(consumer!.environment).toMatchObject({
      TOPIC: 'orders',
      GROUP: 'order-workers',
      ORDERING: 'key',
      REDIS_URL: 'redis://redis:6379',
    });
    const graceSeconds = seconds(consumer!.stop_grace_period);
    expect(graceSeconds).toBeGreaterThan(Number(consumer!.environment!.SHUTDOWN_GRACE_MS) / 1000);
    expect(producer!.environment!.PARTITIONS).toBe(consumer!.environment!.PARTITIONS);
  });
});

describe.each(['producer', 'consumer'])('services/%s/Dockerfile', (service) => {
  const dockerfile = read(`services/${service}/Dockerfile`);
  const runner = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('builds in stages from a pruned workspace', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toContain(
      `RUN turbo prune @redstream/${service} --docker --out-dir /pruned`,
    );
    expect(dockerfile).toContain('COPY --from=pruner /pruned/json/ ./');
    expect(dockerfile).toContain('RUN pnpm install --frozen-lockfile');
    expect(dockerfile).toContain(`RUN turbo run build --filter=@redstream/${service}`);
  });

  it('runs only what it needs, as a non-root user, with a healthcheck and SIGTERM', () => {
    expect(runner).toContain('COPY --from=builder --chown=node:node /app ./');
    expect(runner).toMatch(/^USER node$/m);
    expect(runner).toMatch(/^ENV NODE_ENV=production/m);
    expect(runner).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(runner).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(runner).toMatch(/^CMD \["node", "dist\/main.js"\]$/m);
  });
});
