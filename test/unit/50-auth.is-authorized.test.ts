import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { isAuthorized, offeredKey } from '../../src/http/auth.js';

function request(headers: Record<string, string>, path = '/api/state'): [IncomingMessage, URL] {
  return [{ headers } as IncomingMessage, new URL(path, 'http://127.0.0.1')];
}

describe('auth isAuthorized / offeredKey', function () {
  it('accepts the password as a Bearer token', function () {
    assert.equal(isAuthorized(...request({ authorization: 'Bearer s3cret' }), 's3cret'), true);
    assert.equal(isAuthorized(...request({ authorization: 'bearer   s3cret ' }), 's3cret'), true);
  });

  it('accepts the password as ?key=, for links, <img> and EventSource', function () {
    assert.equal(isAuthorized(...request({}, '/preview.mjpeg?key=s3cret'), 's3cret'), true);
    assert.equal(isAuthorized(...request({}, '/api/events?key=s%20cret'), 's cret'), true);
  });

  it('refuses a missing, wrong or differently-cased password', function () {
    assert.equal(isAuthorized(...request({}), 's3cret'), false);
    assert.equal(isAuthorized(...request({ authorization: 'Bearer nope' }), 's3cret'), false);
    assert.equal(isAuthorized(...request({}, '/api/state?key=S3CRET'), 's3cret'), false);
    assert.equal(isAuthorized(...request({}, '/api/state?key='), 's3cret'), false);
  });

  it('ignores other schemes, and a header wins over the query', function () {
    assert.equal(offeredKey(...request({ authorization: 'Basic czNjcmV0' })), null);
    assert.equal(isAuthorized(...request({ authorization: 'Basic czNjcmV0' }, '/api/state?key=s3cret'), 's3cret'), false);
    assert.equal(offeredKey(...request({ authorization: 'Bearer a' }, '/x?key=b')), 'a');
  });
});
