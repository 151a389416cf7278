import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs here: the compose entry and the Dockerfile are checked as data.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

describe('the dashboard in docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };
  const dashboard = compose.services.dashboard as {
    build: { dockerfile: string };
    environment: Record<string, string>;
    ports: string[];
    depends_on: Record<string, { condition: string }>;
  };

  it('builds its own image, publishes its port and starts after Redis is healthy', () => {
    expect(dashboard.build.dockerfile).toBe('services/dashboard/Dockerfile');
    expect(dashboard.ports).toContain(`${dashboard.environment.PORT}:8090`);
    expect(dashboard.depends_on.redis!.condition).toBe('service_healthy');
    expect(dashboard.environment).toMatchObject({
      REDIS_URL: 'redis://redis:6379',
      TOPIC: 'orders',
    });
  });

  it('takes the admin token from the shell, with no default secret', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own interpolation, kept literal
    expect(dashboard.environment.DASHBOARD_ADMIN_TOKEN).toBe('${DASHBOARD_ADMIN_TOKEN:-}');
  });
});

describe('services/dashboard/Dockerfile', () => {
  const dockerfile = read('services/dashboard/Dockerfile');
  const runner = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('builds in stages from a pruned workspace (vite runs in the builder)', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toContain(
      'RUN turbo prune @redstream/dashboard-service --docker --out-dir /pruned',
    );
    expect(dockerfile).toContain('RUN pnpm install --frozen-lockfile');
    expect(dockerfile).toContain('RUN turbo run build --filter=@redstream/dashboard-service');
    expect(dockerfile).toContain(
      'RUN pnpm --filter=@redstream/dashboard-service deploy --prod /app',
    );
  });

  it('runs as a non-root user on port 8090 with a healthcheck and SIGTERM', () => {
    expect(runner).toContain('COPY --from=builder --chown=node:node /app ./');
    expect(runner).toMatch(/^USER node$/m);
    expect(runner).toMatch(/^ENV NODE_ENV=production PORT=8090$/m);
    expect(runner).toMatch(/^EXPOSE 8090$/m);
    expect(runner).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(runner).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(runner).toMatch(/^CMD \["node", "dist\/main.js"\]$/m);
  });
});
