import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * No Docker engine runs here, so this runs the RUN steps of each service's Dockerfile
 * outside Docker, emulating its COPY steps with plain copies: turbo prune from the workspace,
 * install from the pruned lockfile, build, deploy the production tree, and start the result.
 * The services share one turbo cache so the libraries compile once (about a minute in all).
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'redstream-images-'));
const env = {
  ...process.env,
  // The workspace's turbo and tsc stand in for the image's global turbo.
  PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}`,
  CI: 'true',
  TURBO_CACHE_DIR: join(work, 'turbo-cache'),
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/**
 * The RUN commands of the build stages in order, with their absolute paths moved under `dir`.
 * The runner stage's own RUNs (the producer's `mkdir /keys`) touch the image's root filesystem,
 * which only a Docker build can; compose.test.ts reads that stage as data.
 */
function runSteps(service: string, dir: string): string[] {
  const dockerfile = readFileSync(join(root, 'services', service, 'Dockerfile'), 'utf8');
  const buildStages = dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM '));
  return [...buildStages.matchAll(/^RUN (.+)$/gm)]
    .map((match) => match[1]!)
    .filter((command) => !command.startsWith('npm install --global'))
    .map((command) => command.replace(/ \/(pruned|app)\b/g, ` ${dir}/$1`));
}

function sh(command: string, cwd: string): void {
  execFileSync('sh', ['-c', command], { cwd, env, stdio: 'pipe', timeout: 150_000 });
}

interface ImageCase {
  /** Its folder under services/. */
  service: string;
  pkg: string;
  /** Workspace packages the pruned workspace carries besides the service. */
  libraries: string[];
  /** Its own workspace dependencies: linked into the image's node_modules as their built dist. */
  linked: string[];
  /** What its build writes besides dist/main.js, and must ship (the dashboard's web app). */
  shipped: string[];
  /** Build-only dependencies that must not reach the image. */
  devOnly: string[];
}

const demoLibraries = ['codec', 'orders-demo', 'service-kit', 'stream-client'];
const cases: ImageCase[] = [
  {
    service: 'consumer',
    pkg: '@redstream/consumer',
    libraries: demoLibraries,
    linked: demoLibraries,
    shipped: [],
    devOnly: [],
  },
  {
    service: 'producer',
    pkg: '@redstream/producer',
    libraries: demoLibraries,
    linked: demoLibraries,
    shipped: [],
    devOnly: [],
  },
  {
    service: 'dashboard',
    pkg: '@redstream/dashboard-service',
    libraries: ['codec', 'dashboard', 'service-kit', 'stream-client'],
    linked: ['dashboard', 'service-kit', 'stream-client'],
    shipped: ['node_modules/@redstream/dashboard/dist/web/index.html'],
    devOnly: ['vite@', 'preact@', 'uplot@', 'playwright-core@'],
  },
];

describe.each(cases)(
  'the $service image build',
  ({ service, pkg, libraries, linked, shipped, devOnly: extraDevOnly }) => {
    it('prunes, installs from the pruned lockfile, builds and deploys only production dependencies', () => {
      const dir = join(work, service);
      const repo = join(dir, 'repo');
      mkdirSync(repo, { recursive: true });
      const [prune, install, build, deploy, ...rest] = runSteps(service, dir);
      expect(prune).toBe(`turbo prune ${pkg} --docker --out-dir ${dir}/pruned`);
      expect(install).toBe('pnpm install --frozen-lockfile');
      expect(build).toBe(`turbo run build --filter=${pkg}`);
      expect(deploy).toBe(`pnpm --filter=${pkg} deploy --prod ${dir}/app`);
      expect(rest).toEqual([]);

      // pruner: COPY . . then prune (turbo prune skips node_modules and dist like .dockerignore).
      sh(prune!, root);
      const pruned = join(dir, 'pruned');
      expect(readdirSync(join(pruned, 'json', 'packages')).sort()).toEqual(
        [...libraries, 'testkit'].sort(),
      );
      expect(existsSync(join(pruned, 'json', 'pnpm-lock.yaml'))).toBe(true);
      expect(existsSync(join(pruned, 'full', 'services', service, 'src', 'main.ts'))).toBe(true);
      for (const other of cases.filter((entry) => entry.service !== service))
        expect(existsSync(join(pruned, 'full', 'services', other.service))).toBe(false);

      // builder: COPY json, install, COPY full and the root build files, build, deploy.
      cpSync(join(pruned, 'json'), repo, { recursive: true });
      sh(install!, repo);
      cpSync(join(pruned, 'full'), repo, { recursive: true });
      cpSync(join(root, 'tsconfig.base.json'), join(repo, 'tsconfig.base.json'));
      cpSync(join(root, 'scripts'), join(repo, 'scripts'), { recursive: true });
      sh(build!, repo);
      expect(existsSync(join(repo, 'services', service, 'dist', 'main.js'))).toBe(true);
      sh(deploy!, repo);

      // runner: only dist and production dependencies, workspace libraries as built dist.
      const app = join(dir, 'app');
      expect(existsSync(join(app, 'dist', 'main.js'))).toBe(true);
      for (const library of linked)
        expect(
          existsSync(join(app, 'node_modules', '@redstream', library, 'dist', 'index.js')),
        ).toBe(true);
      for (const file of shipped) expect(existsSync(join(app, file)), file).toBe(true);
      const installed = readdirSync(join(app, 'node_modules', '.pnpm')).join(' ');
      for (const devOnly of [
        'testkit',
        'testcontainers',
        'vitest',
        'typescript@',
        'tsx@',
        'turbo@',
        ...extraDevOnly,
      ])
        expect(installed).not.toContain(devOnly);

      // The deployed service loads every module it needs, then refuses a bad config.
      const started = spawnSync(process.execPath, [join(app, 'dist', 'main.js')], {
        cwd: app,
        env: { ...process.env, NODE_ENV: 'production', PORT: 'not-a-port' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(started.status, started.stderr).toBe(1);
      expect(started.stderr).toContain(
        'PORT: expected an integer from 0 to 65535, got "not-a-port"',
      );

      if (service === 'producer') {
        // What docker compose uses from the image: the order schema files and the key maker.
        expect(existsSync(join(app, 'schemas', 'orders', 'order.paid.v1.json'))).toBe(true);
        const made = spawnSync(process.execPath, [join(app, 'dist', 'new-api-key.js'), 'ci'], {
          cwd: app,
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(made.status, made.stderr).toBe(0);
        expect(JSON.parse(made.stdout)).toMatchObject({
          id: 'ci',
          line: expect.stringMatching(/^ci:/),
        });
      }
    }, 180_000);
  },
);
