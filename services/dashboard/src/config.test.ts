import { ConfigError } from '@redstream/service-kit';
import { describe, expect, it } from 'vitest';
import { loadDashboardConfig } from './config.js';

describe('loadDashboardConfig', () => {
  it('defaults: every topic, port 8090 on every interface, read-only', () => {
    expect(loadDashboardConfig({})).toMatchObject({
      topics: undefined,
      host: '0.0.0.0',
      port: 8090,
      adminToken: undefined,
    });
  });

  it('reads a topic list and the admin token', () => {
    const config = loadDashboardConfig({
      TOPIC: 'orders, payments',
      DASHBOARD_ADMIN_TOKEN: '0123456789abcdef0123',
      PORT: '9000',
    });
    expect(config).toMatchObject({
      topics: ['orders', 'payments'],
      port: 9000,
      adminToken: '0123456789abcdef0123',
    });
  });

  it('refuses a short token without printing it, and a bad port, in one error', () => {
    let error: unknown;
    try {
      loadDashboardConfig({ DASHBOARD_ADMIN_TOKEN: 'hunter2', PORT: 'eighty', TOPIC: 'a b' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/DASHBOARD_ADMIN_TOKEN: expected at least 16 characters/);
    expect(message).toMatch(/PORT: expected an integer from 0 to 65535/);
    expect(message).toMatch(/TOPIC: expected topic names/);
    expect(message).not.toContain('hunter2');
  });
});
