import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenCheck = 'ok' | 'read-only' | 'missing' | 'wrong';

/**
 * The dashboard's one secret. Requests present it as `Authorization: Bearer <token>`.
 * Both sides are hashed first so the comparison takes the same time whatever the length or
 * the first differing byte of a guess.
 */
export class AdminToken {
  private readonly digest: Buffer | undefined;

  constructor(token: string | undefined) {
    this.digest = token ? sha256(token) : undefined;
  }

  get enabled(): boolean {
    return this.digest !== undefined;
  }

  check(authorization: string | undefined): TokenCheck {
    if (!this.digest) return 'read-only';
    const match = /^Bearer (.+)$/.exec(authorization ?? '');
    if (!match) return 'missing';
    return timingSafeEqual(sha256(match[1]!), this.digest) ? 'ok' : 'wrong';
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
