import assert from 'node:assert/strict';
import { Authenticator } from '../../src/obs/server/auth.js';
import { AuthFailureLimiter } from '../../src/util/auth-failure-limiter.js';
import { RateLimiter } from '../../src/obs/server/rate-limiter.js';
import { JSON_CODEC, MSGPACK_CODEC, DecodeError, selectSubprotocol } from '../../src/obs/server/codec.js';
import { encode } from '@msgpack/msgpack';

describe('obs-websocket server building blocks', function () {
  describe('Authenticator', function () {
    const salt = 'lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=';
    const challenge = '+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY=';
    const expected = '1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4=';

    it('computes the protocol test vector', function () {
      assert.equal(Authenticator.answer('supersecretpassword', salt, challenge), expected);
    });

    it('accepts the vector answer and refuses others', function () {
      const auth = new Authenticator('supersecretpassword', salt);
      assert.equal(auth.verify(challenge, expected), true);
      assert.equal(auth.verify(challenge, Authenticator.answer('wrong', salt, challenge)), false);
      assert.equal(auth.verify('another challenge', expected), false);
      assert.equal(auth.verify(challenge, ''), false);
    });

    it('draws a fresh salt per server and a fresh challenge per connection', function () {
      const a = new Authenticator('x');
      const b = new Authenticator('x');
      assert.notEqual(a.salt, b.salt);
      assert.notEqual(a.newChallenge(), a.newChallenge());
    });
  });

  describe('AuthFailureLimiter (a fake clock)', function () {
    it('counts failures from all addresses together: N in a minute lock everybody out', function () {
      let now = 1_000_000;
      const limiter = new AuthFailureLimiter(3, () => now);
      for (const address of ['127.0.0.2', '127.0.0.3', '10.0.0.1']) {
        assert.equal(limiter.retryAfterMs(), 0);
        limiter.recordFailure(address);
        now += 1000;
      }
      // The first failure was at 1_000_000; it leaves the window at 1_060_000.
      assert.equal(limiter.retryAfterMs(), 1_060_000 - now);
      assert.deepEqual(limiter.recent(), { failures: 3, sources: 3 });
      now = 1_059_999;
      assert.equal(limiter.retryAfterMs(), 1);
      now = 1_060_000;
      assert.equal(limiter.retryAfterMs(), 0, 'one attempt again once the oldest failure is a minute old');
      limiter.recordFailure('127.0.0.4');
      assert.equal(limiter.retryAfterMs(), 1_001_000 + 60_000 - now, 'and locked again by the next failure');
      now += 60_000;
      assert.equal(limiter.retryAfterMs(), 0);
      assert.deepEqual(limiter.recent(), { failures: 0, sources: 0 });
    });

    it('keeps only what it needs, however many addresses guess', function () {
      let now = 0;
      const limiter = new AuthFailureLimiter(5, () => now);
      for (let i = 0; i < 100_000; i++) limiter.recordFailure(`127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      assert.deepEqual(limiter.recent(), { failures: 5, sources: 5 });
      assert.equal(limiter.retryAfterMs(), 60_000);
      assert.throws(() => new AuthFailureLimiter(0), RangeError);
    });
  });

  describe('RateLimiter', function () {
    it('grants the burst, refuses beyond it, refills with time', function () {
      let now = 0;
      const bucket = new RateLimiter(10, 5, () => now);
      assert.equal(bucket.take(5), true);
      assert.equal(bucket.take(1), false);
      now += 100; // one token back at 10/s
      assert.equal(bucket.take(1), true);
      assert.equal(bucket.take(1), false);
      now += 10_000;
      assert.equal(bucket.take(6), false, 'never more than the burst at once');
      assert.equal(bucket.take(5), true);
    });
  });

  describe('codecs', function () {
    it('selects the first known subprotocol in the client\'s order, none for none', function () {
      assert.equal(selectSubprotocol(['x', 'obswebsocket.msgpack', 'obswebsocket.json']), 'obswebsocket.msgpack');
      assert.equal(selectSubprotocol(['obswebsocket.json', 'obswebsocket.msgpack']), 'obswebsocket.json');
      assert.equal(selectSubprotocol(['chat']), null);
    });

    it('refuses the wrong frame kind and undecodable payloads with the real server\'s reasons', function () {
      assert.throws(() => JSON_CODEC.decode(Buffer.from('{}'), true), /binary message was received/);
      assert.throws(() => JSON_CODEC.decode(Buffer.from('{op:'), false), (e: unknown) => e instanceof DecodeError && /Unable to decode Json/.test(e.message));
      assert.throws(() => MSGPACK_CODEC.decode(Buffer.from('{}'), false), /text message was received/);
      assert.throws(() => MSGPACK_CODEC.decode(Buffer.from([0xc1]), true), /Unable to decode MsgPack/);
      const polluting = encode(JSON.parse('{"__proto__": {"polluted": true}}'));
      assert.throws(() => MSGPACK_CODEC.decode(Buffer.from(polluting), true), /Unable to decode MsgPack/);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it('round-trips a message in both encodings', function () {
      const message = { op: 6, d: { requestType: 'GetVersion', requestId: 'é1' } };
      assert.deepEqual(JSON_CODEC.decode(Buffer.from(JSON_CODEC.encode(message) as string), false), message);
      assert.deepEqual(MSGPACK_CODEC.decode(Buffer.from(MSGPACK_CODEC.encode(message) as Uint8Array), true), message);
    });
  });
});
