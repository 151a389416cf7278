import type { BucketState, RateDecision } from '@redstream/stream-client';

/**
 * The rate-limit answer as header fields of draft-ietf-httpapi-ratelimit-headers (09):
 * `RateLimit-Policy` lists the policies (`q` quota, `w` window in seconds, `qu` quota unit),
 * `RateLimit` the state of each (`r` remaining, `t` seconds until the bucket is full again).
 * Two policies: `events` (unit events, a custom unit) and `bytes` (`content-bytes`, the
 * draft's unit for request content). A refusal also gets `Retry-After` (RFC 9110) in whole
 * seconds, rounded up so a client that waits it is let through.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const policies: string[] = [];
  const states: string[] = [];
  const add = (name: string, unit: string, bucket: BucketState | undefined) => {
    if (!bucket) return;
    policies.push(`"${name}";q=${bucket.quota};w=${bucket.windowSeconds};qu="${unit}"`);
    states.push(`"${name}";r=${bucket.remaining};t=${Math.ceil(bucket.fullInMs / 1000)}`);
  };
  add('events', 'events', decision.events);
  add('bytes', 'content-bytes', decision.bytes);
  if (policies.length === 0) return {};
  const headers: Record<string, string> = {
    'ratelimit-policy': policies.join(', '),
    ratelimit: states.join(', '),
  };
  if (!decision.allowed)
    headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}
