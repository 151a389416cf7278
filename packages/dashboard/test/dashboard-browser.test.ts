import { existsSync } from 'node:fs';
import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDashboard, startDashboard } from '../src/index.js';
import { DEFAULT_WEB_ROOT } from '../src/static-assets.js';
import { ConsumerProcesses } from './helpers/consumer-processes.js';
import { chromiumMissing, launchChromium } from './helpers/headless-chromium.js';

const TOKEN = 'browser-test-token-42';
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 3000;
const group = 'workers';

/** Partition rows as the page shows them: partition -> owner and epoch. */
function readPartitionTable(page: Page) {
  return page.$$eval('tr[data-partition]', (rows) =>
    rows.map((row) => ({
      partition: Number(row.getAttribute('data-partition')),
      owner: row.getAttribute('data-owner') ?? '',
      epoch: Number(row.getAttribute('data-epoch') || 0),
      ownerText: row.querySelector('.owner')?.textContent ?? '',
    })),
  );
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  cleanups.length = 0;
});

beforeAll(() => {
  if (!existsSync(`${DEFAULT_WEB_ROOT}index.html`))
    throw new Error(
      `the web app is not built (${DEFAULT_WEB_ROOT}): run pnpm build first (pnpm test does)`,
    );
});

describe('dashboard in a real browser', () => {
  it('shows a rebalance live after a consumer dies, then redrives a dead letter with the token', async (context) => {
    const missing = chromiumMissing();
    if (missing) context.skip(missing);

    const redis: LaunchedRedis = await launchRedis();
    cleanups.push(() => redis.stop());
    const client: StreamClient = await createStreamClient({ url: redis.url });
    cleanups.push(() => client.close());
    const topic = uniqueName('browser');
    await client.ensureTopic(topic, { partitions: PARTITIONS });

    // The producer: a steady trickle over 30 keys, and one event that fails for good.
    const producer = client.producer();
    await producer.publish(topic, { type: 'poison', key: 'bad', payload: { why: 'test' } });
    let sent = 0;
    const trickle = setInterval(() => {
      void producer
        .publishMany(
          topic,
          Array.from({ length: 5 }, () => ({
            type: 'order',
            key: `k${sent % 30}`,
            payload: { n: sent++ },
          })),
        )
        .catch(() => {});
    }, 100);
    cleanups.push(async () => clearInterval(trickle));

    const consumers = new ConsumerProcesses();
    cleanups.push(() => consumers.stopAll());
    const env = {
      REDIS_URL: redis.url,
      TOPIC: topic,
      GROUP: group,
      SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      HEARTBEAT_INTERVAL_MS: '500',
    };
    const [, beta] = await Promise.all([
      consumers.start('alpha', env),
      consumers.start('beta', env),
    ]);

    const dashboard: RunningDashboard = await startDashboard({
      client,
      port: 0,
      topics: [topic],
      adminToken: TOKEN,
      discoverEveryMs: 500,
    });
    cleanups.push(() => dashboard.close());

    const browser: Browser = await launchChromium();
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // A Content-Security-Policy violation (an inline style, an outside script) is a console
    // error; the 401 of the redrive tried without the token below is expected and not one.
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text()))
        pageErrors.push(message.text());
    });
    await page.goto(`${dashboard.url}#/topics/${topic}/groups/${group}`);
    // Set once: still there at the end proves the page never reloaded.
    await page.evaluate(() => {
      (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });

    // Both consumers own partitions, as the partition table shows.
    await page.waitForFunction(
      ({ count }) => {
        const owners = [...document.querySelectorAll('tr[data-partition]')].map((row) =>
          row.getAttribute('data-owner'),
        );
        return (
          owners.length === count &&
          owners.includes('alpha') &&
          owners.includes('beta') &&
          !owners.includes('')
        );
      },
      { count: PARTITIONS },
      { timeout: 20_000, polling: 200 },
    );
    const before = await readPartitionTable(page);
    expect(before.map((row) => row.ownerText).sort()).toEqual(
      before.map((row) => row.owner).sort(),
    );
    const betaPartitions = before.filter((row) => row.owner === 'beta');
    expect(betaPartitions.length).toBeGreaterThan(0);

    // Kill beta outright: it releases nothing, its leases lapse after the session timeout.
    const killedAt = Date.now();
    beta.signal('SIGKILL');
    await page.waitForFunction(
      (previous) =>
        previous.every(({ partition, owner, epoch }) => {
          const row = document.querySelector(`tr[data-partition="${partition}"]`);
          const nowEpoch = Number(row?.getAttribute('data-epoch') || 0);
          return (
            row?.getAttribute('data-owner') === 'alpha' &&
            (owner === 'beta' ? nowEpoch > epoch : nowEpoch >= epoch)
          );
        }),
      before,
      { timeout: SESSION_TIMEOUT_MS + 8000, polling: 200 },
    );
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(SESSION_TIMEOUT_MS + 8000);
    const after = await readPartitionTable(page);
    for (const row of betaPartitions)
      expect(after.find((r) => r.partition === row.partition)!.epoch).toBeGreaterThan(row.epoch);
    // Agrees with Redis.
    for (const row of after)
      expect(await client.redis.get(client.keys.lease(topic, row.partition, group))).toBe(
        `alpha|${row.epoch}`,
      );
    // The rebalance timeline lists the move.
    await page.waitForSelector('.timeline li', { timeout: 5000 });
    expect(await page.textContent('.timeline')).toMatch(/beta → alpha/);

    // Dead letters, reached by a link (no reload): redrive refused without the token, done with it.
    await page.click(`a[href="#/topics/${topic}/dead-letters"]`);
    const row = page.locator('tr[data-dead-letter]').first();
    await row.waitFor({ timeout: 10_000 });
    const deadLetterId = await row.getAttribute('data-dead-letter');
    expect(await row.textContent()).toMatch(/poison/);
    await row.getByRole('button', { name: /Redrive/ }).click();
    await page.waitForSelector('.action-status:has-text("Redrive refused")', { timeout: 5000 });
    await page.getByLabel('Admin token').fill(TOKEN);
    await row.getByRole('button', { name: /Redrive/ }).click();
    await page.waitForSelector('.action-status:has-text("Redriven: 1 moved")', { timeout: 5000 });
    const remaining = await client.admin.listDeadLetters(topic);
    expect(remaining.map((d) => d.id)).not.toContain(deadLetterId);

    expect(
      await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce),
    ).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('reconnects by itself after a server restart, is keyboard reachable and fits a phone', async (context) => {
    const missing = chromiumMissing();
    if (missing) context.skip(missing);
    const redis = await launchRedis();
    cleanups.push(() => redis.stop());
    const client = await createStreamClient({ url: redis.url });
    cleanups.push(() => client.close());
    const topic = uniqueName('restart');
    await client.ensureTopic(topic, { partitions: 16 });
    let dashboard = await startDashboard({ client, port: 0, topics: [topic] });
    cleanups.push(() => dashboard.close());
    const port = Number(new URL(dashboard.url).port);

    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(dashboard.url);
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    await page.waitForSelector(`h2:has-text("${topic}")`);
    // Phone width: the page itself never scrolls sideways (wide tables scroll in their box).
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    // Keyboard: the first Tab lands on the skip link, the next ones on the header's links.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('A');
    // Read-only: the header and the dead letters page say so.
    expect(await page.textContent('header .badge')).toBe('read-only');
    await page.click(`a[href="#/topics/${topic}/dead-letters"]`);
    await page.waitForSelector('.notice:has-text("Read-only")');

    await dashboard.close();
    await page.waitForSelector('[data-connection="reconnecting"]', { timeout: 10_000 });
    dashboard = await startDashboard({ client, port, topics: [topic] });
    await page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
    expect(await page.textContent('h1')).toContain('Dead letters');
  });
});
