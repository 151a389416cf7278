import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** One API key as configured: its id (logs, rate-limit bucket), the key's hash, its topics. */
export interface ApiKey {
  id: string;
  /** SHA-256 of the key: the key itself is never stored or configured. */
  sha256: Buffer;
  /** Topics the key may write; undefined means every topic the gateway serves. */
  topics: ReadonlySet<string> | undefined;
}

/** A line of API_KEYS_FILE or API_KEYS that does not parse: which line and why. */
export interface ApiKeyLineProblem {
  line: number;
  expected: string;
  received: string;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,200}$/;
export const API_KEY_LINE_FORM =
  'id:sha256-hex-of-key[:topic,topic...] (id of A-Z a-z 0-9 . _ -, `*` or no topics for all)';

/**
 * Parses key lines, `id:sha256-of-key[:topics]`, one per line (API_KEYS also takes them
 * separated by spaces). Blank lines and `#` comments are skipped. A line that is wrong is
 * reported with the key hash cut short, since even a hash should not be echoed whole.
 */
export function parseApiKeyLines(
  text: string,
  separator: RegExp = /\r?\n/,
): {
  keys: ApiKey[];
  problems: ApiKeyLineProblem[];
} {
  const keys: ApiKey[] = [];
  const problems: ApiKeyLineProblem[] = [];
  const seen = new Set<string>();
  text.split(separator).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [id = '', hash = '', topics, ...rest] = line.split(':');
    const problem = (expected: string) =>
      problems.push({ line: index + 1, expected, received: `${id}:${hash.slice(0, 8)}...` });
    if (rest.length > 0 || !KEY_ID.test(id) || !SHA256_HEX.test(hash)) {
      problem(API_KEY_LINE_FORM);
      return;
    }
    if (seen.has(id)) {
      problem(`a key id used once (${id} repeats)`);
      return;
    }
    const names = topics === undefined || topics.trim() === '*' ? undefined : topics.split(',');
    if (names?.some((name) => !TOPIC.test(name.trim()))) {
      problem('topics as a comma-separated list of topic names, or `*`');
      return;
    }
    seen.add(id);
    keys.push({
      id,
      sha256: Buffer.from(hash, 'hex'),
      topics: names && new Set(names.map((name) => name.trim())),
    });
  });
  return { keys, problems };
}

export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The key whose hash matches `presented`, or undefined. The presented key is hashed and compared
 * with every configured hash in constant time, without stopping at a match, so the answer's
 * timing says nothing about which key (or how much of one) was right.
 */
export function findApiKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(digest, key.sha256) && found === undefined) found = key;
  }
  return found;
}

/** A new random key (256 bits, base64url) and its config line. */
export function newApiKey(id: string, topics?: readonly string[]): { key: string; line: string } {
  const key = `rsk_${randomBytes(32).toString('base64url')}`;
  const scope = topics && topics.length > 0 ? `:${topics.join(',')}` : '';
  return { key, line: `${id}:${sha256Hex(key)}${scope}` };
}
