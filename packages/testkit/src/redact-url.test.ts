import { describe, expect, it } from 'vitest';
import { redactRedisUrl } from './redact-url.js';

describe('redactRedisUrl', () => {
  it('hides the password and keeps the user, host, port and db', () => {
    expect(redactRedisUrl('redis://app:s3cret@cache.local:6380/2')).toBe(
      'redis://app:***@cache.local:6380/2',
    );
  });

  it('hides a password given without a user', () => {
    expect(redactRedisUrl('rediss://:topsecret@host:6379')).not.toContain('topsecret');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('never echoes an unparseable URL, which may hold a secret', () => {
    expect(redactRedisUrl('not a url with secret')).toBe('<unparseable url>');
  });
});
