import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { folderAncestry, sameServerPath, serverPath } from '../../../shared/sources/imap-folders';
import { toImapError } from '../../../shared/sources/imap-errors';
import { PermanentError, TransientError } from '../../../shared/errors';

describe('IMAP folder names', () => {
  it('a channel folder "A/B" becomes the server path with its delimiter and namespace prefix', () => {
    assert.equal(serverPath('Tickets/Done', { delimiter: '/', prefix: '' }), 'Tickets/Done');
    assert.equal(serverPath('Tickets/Done', { delimiter: '.', prefix: '' }), 'Tickets.Done');
    assert.equal(serverPath('Tickets/Done', { delimiter: '.', prefix: 'INBOX.' }), 'INBOX.Tickets.Done');
    assert.equal(serverPath('INBOX/Done', { delimiter: '.', prefix: 'INBOX.' }), 'INBOX.Done');
    assert.equal(serverPath('Processed', undefined), 'Processed');
  });

  it('INBOX is found whatever its case', () => {
    assert.equal(serverPath('Inbox', { delimiter: '.', prefix: 'INBOX.' }), 'INBOX');
    assert.equal(serverPath('inbox/Sub', { delimiter: '/', prefix: '' }), 'INBOX/Sub');
    assert.ok(sameServerPath('INBOX', 'inbox'));
    assert.ok(!sameServerPath('Done', 'done'));
  });

  it('nested folders are created parents first', () => {
    assert.deepEqual(folderAncestry('A/B/C'), ['A', 'A/B', 'A/B/C']);
    assert.deepEqual(folderAncestry('/A//B/'), ['A', 'A/B']);
  });
});

describe('IMAP errors', () => {
  it('a rejected login is permanent; an unavailable auth backend is transient', () => {
    const rejected = toImapError({ message: 'Command failed', authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED', responseText: 'Authentication failed.' }, 'IMAP h:993');
    assert.ok(rejected instanceof PermanentError);
    assert.equal(rejected.code, 'IMAP_AUTH');
    const unavailable = toImapError({ authenticationFailed: true, serverResponseCode: 'UNAVAILABLE' }, 'IMAP h:993');
    assert.ok(unavailable instanceof TransientError);
  });

  it('network failures and timeouts are transient, so the queue retries', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'NoConnection', 'EConnectionClosed']) {
      const e = toImapError(Object.assign(new Error('x'), { code }), 'IMAP h:993');
      assert.ok(e instanceof TransientError && e.code === 'IMAP_CONNECTION', code);
    }
    for (const code of ['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'ETIMEOUT']) {
      const e = toImapError(Object.assign(new Error('x'), { code }), 'IMAP h:993');
      assert.ok(e instanceof TransientError && e.code === 'IMAP_TIMEOUT', code);
    }
  });

  it('a missing folder and an untrusted certificate are permanent', () => {
    assert.equal(toImapError({ mailboxMissing: true }, 'x').code, 'IMAP_NO_FOLDER');
    assert.equal(toImapError({ serverResponseCode: 'TRYCREATE' }, 'x').code, 'IMAP_NO_FOLDER');
    const tls = toImapError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', tlsFailed: true }), 'x');
    assert.ok(tls instanceof PermanentError && tls.code === 'IMAP_TLS');
  });
});
