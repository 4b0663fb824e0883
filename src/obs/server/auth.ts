import { createHash, randomBytes } from 'node:crypto';
import { safeEqual } from '../../config/password.js';

/**
 * obs-websocket 5 authentication: the server publishes a salt (per server start) and a challenge
 * (per connection); the client answers base64(sha256(base64(sha256(password + salt)) + challenge)).
 * The password itself never crosses the wire, and the answer is only good for one challenge.
 */
export class Authenticator {
  readonly salt: string;
  private readonly secret: string;

  constructor(password: string, salt = randomBase64()) {
    this.salt = salt;
    this.secret = sha256Base64(password + salt);
  }

  /** A fresh challenge for one connection. */
  newChallenge(): string {
    return randomBase64();
  }

  /** Constant-time check of a client's answer to `challenge`. */
  verify(challenge: string, answer: string): boolean {
    return safeEqual(sha256Base64(this.secret + challenge), answer);
  }

  /** What a client computes; exported for tests and our own OBS client side. */
  static answer(password: string, salt: string, challenge: string): string {
    return sha256Base64(sha256Base64(password + salt) + challenge);
  }
}

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

function randomBase64(): string {
  return randomBytes(32).toString('base64');
}
