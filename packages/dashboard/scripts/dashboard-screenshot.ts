/**
 * Regenerates docs/dashboard.png (1280x800) and docs/dashboard-phone.png (390 wide): runs the
 * built demo with --dashboard and two kills, opens the group page in headless Debian
 * chromium once a killed replica's partitions have moved, and captures it. Run after
 * `pnpm build`: `pnpm --filter @redstream/dashboard screenshot`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@redstream/testkit';
import { chromiumMissing, launchChromium } from '../test/helpers/headless-chromium.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = `${root}packages/cli/dist/bin.js`;
const missing = chromiumMissing();
if (missing) throw new Error(missing);
if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first`);

const demo = ServiceProcess.spawn(
  process.execPath,
  [bin, 'demo', '--events', '150000', '--consumers', '3', '--kill', '2', '--dashboard', '0'],
  { name: 'demo', cwd: root, env: { REDIS_URL: '', REDIS_CLUSTER_NODES: '' } },
);
const browser = await launchChromium();
try {
  const line = await demo.waitForLine(/^dashboard: http/, 60_000);
  const url = /dashboard: (\S+)/.exec(line)![1]!;
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${url}#/topics/orders/groups/order-workers`);
  await page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
  // The first rebalance is the replicas joining; the second, a killed replica's partitions
  // moving to the survivors with new epochs.
  await page.waitForSelector('.timeline > li:nth-child(2)', { timeout: 120_000 });
  await page.waitForTimeout(4000);
  // The whole page: partitions, consumers and the rebalance timeline below the chart.
  await page.screenshot({ path: `${root}docs/dashboard.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path: `${root}docs/dashboard-phone.png` });
  process.stdout.write('wrote docs/dashboard.png and docs/dashboard-phone.png\n');
} finally {
  await browser.close();
  demo.signal('SIGINT');
  await demo.waitForExit(60_000).catch(() => demo.signal('SIGKILL'));
}
