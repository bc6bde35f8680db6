import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { graphBaseUrl, graphScope, isMicrosoftGraphHost, retryAfterSeconds } from '../../../shared/auth/graph-client';
import { mailboxGate, limiterSnapshot, withMailboxSlot } from '../../../shared/sources/graph-limiter';

describe('Graph client settings', () => {
  it('the base URL is https on the channel host, the port only when not 443', () => {
    assert.equal(graphBaseUrl({ host: 'graph.microsoft.com', port: 443, tls: 'implicit' }), 'https://graph.microsoft.com/');
    assert.equal(graphBaseUrl({ host: '127.0.0.1', port: 8443, tls: 'implicit' }), 'https://127.0.0.1:8443/');
    assert.throws(() => graphBaseUrl({ host: '127.0.0.1', port: 80, tls: 'none' }), /Graph needs TLS/);
  });

  it('national clouds get their own scope; a stand-in host gets Graph\'s', () => {
    assert.equal(graphScope('graph.microsoft.us'), 'https://graph.microsoft.us/.default');
    assert.equal(graphScope('graph.microsoft.com'), 'https://graph.microsoft.com/.default');
    assert.equal(graphScope('127.0.0.1'), 'https://graph.microsoft.com/.default');
    assert.equal(isMicrosoftGraphHost('127.0.0.1'), false);
  });

  it('Retry-After is read as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    assert.equal(retryAfterSeconds('7', now), 7);
    assert.equal(retryAfterSeconds('Wed, 01 May 2024 10:00:30 GMT', now), 30);
    assert.equal(retryAfterSeconds(null, now), undefined);
    assert.equal(retryAfterSeconds('soon', now), undefined);
  });
});

describe('per-mailbox request limiter', () => {
  it('never runs more than 4 requests of one mailbox at once, serves them in arrival order, and frees its slots', async () => {
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gate = mailboxGate('graph.test|a@contoso.example');
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        gate(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    assert.equal(peak, 4);
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    assert.deepEqual(limiterSnapshot(), []);
  });

  it('mailboxes do not share slots, and a failing request frees its slot', async () => {
    let peak = 0;
    let running = 0;
    const work = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    await Promise.all([...Array.from({ length: 4 }, () => withMailboxSlot('h|a', work)), ...Array.from({ length: 4 }, () => withMailboxSlot('h|b', work))]);
    assert.equal(peak, 8);
    await assert.rejects(withMailboxSlot('h|a', async () => { throw new Error('boom'); }), /boom/);
    assert.deepEqual(limiterSnapshot(), []);
  });
});
