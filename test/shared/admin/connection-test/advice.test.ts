import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aadstsCode, graphMailboxFailure, imapAuthFailure, smtpAuthFailure, tcpFailure, tlsFailure, tokenFailure,
} from '../../../../shared/admin/connection-test/advice';

test("Entra's AADSTS codes become advice: bad secret, expired secret, app not found, tenant not found", () => {
  const text = (code: number, d: string) => `the identity provider refused the app's credentials (invalid_client AADSTS${code}): ${d}`;
  const cases: [number, RegExp][] = [
    [7000215, /Value \(not its Secret ID\)/],
    [7000222, /expired: create a new one/],
    [700016, /clientId/],
    [90002, /tenantId/],
  ];
  for (const [code, advice] of cases) {
    const f = tokenFailure('no token', text(code, 'x'), false);
    assert.equal(f.code, `AADSTS${code}`);
    assert.match(f.whatToDo, advice);
  }
  const unknown = tokenFailure('no token', 'AADSTS123456: something new', false);
  assert.match(unknown.whatToDo, /error\?code=123456/);
  assert.equal(tokenFailure('no token', 'socket hang up', true).code, 'TOKEN_UNAVAILABLE');
});

test('the AADSTS number is read without a regular expression, and only digits after the prefix', () => {
  assert.equal(aadstsCode('x AADSTS7000215: Invalid'), '7000215');
  assert.equal(aadstsCode('AADSTS: none'), undefined);
  assert.equal(aadstsCode('no code'), undefined);
  assert.equal(aadstsCode(`${'AADSTS'.repeat(50_000)}1`), undefined);
});

test("Exchange Online's IMAP answers become advice: AUTHENTICATE failed (IMAP disabled, basic auth off, app permissions), authenticated but not connected", () => {
  const disabled = imapAuthFailure('IMAP outlook.office365.com:993', 'desk@contoso.com', 'AUTHENTICATE failed.', undefined);
  assert.equal(disabled.code, 'IMAP_AUTH_FAILED');
  assert.match(disabled.whatToDo, /ImapEnabled \$true/);
  assert.match(disabled.whatToDo, /Add-MailboxPermission/);
  assert.match(disabled.message, /desk@contoso\.com.*AUTHENTICATE failed/);
  const notConnected = imapAuthFailure('IMAP x:993', 'u', 'User is authenticated but not connected.', undefined);
  assert.equal(notConnected.code, 'IMAP_MAILBOX_NOT_CONNECTED');
});

test('IMAP response codes (RFC 5530) decide before the words: UNAVAILABLE, LIMIT, PRIVACYREQUIRED; plain failures advise username and password', () => {
  assert.equal(imapAuthFailure('w', 'u', 'Authentication failed.', 'UNAVAILABLE').code, 'IMAP_AUTH_UNAVAILABLE');
  assert.equal(imapAuthFailure('w', 'u', 'Too many', 'LIMIT').code, 'IMAP_TOO_MANY_SESSIONS');
  assert.equal(imapAuthFailure('w', 'u', 'Use TLS', 'PRIVACYREQUIRED').code, 'IMAP_TLS_REQUIRED');
  const plain = imapAuthFailure('w', 'u', 'Authentication failed.', 'AUTHENTICATIONFAILED');
  assert.equal(plain.code, 'IMAP_AUTH_FAILED');
  assert.match(plain.whatToDo, /username/);
});

test('SMTP answers become advice: SMTP AUTH disabled (5.7.139), STARTTLS first, bad credentials, try later', () => {
  assert.equal(smtpAuthFailure('w', 'u', '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.', 535).code, 'SMTP_AUTH_DISABLED');
  assert.equal(smtpAuthFailure('w', 'u', '5.7.0 Must issue a STARTTLS command first', 530).code, 'SMTP_TLS_REQUIRED');
  assert.equal(smtpAuthFailure('w', 'u', '5.7.8 Error: authentication failed', 535).code, 'SMTP_AUTH_FAILED');
  assert.equal(smtpAuthFailure('w', 'u', 'try later', 454).code, 'SMTP_AUTH_UNAVAILABLE');
});

test('TCP and TLS verdicts become advice: refused names the port, expired and untrusted and name mismatch are told apart', () => {
  assert.match(tcpFailure('IMAP h:1', 1, 'ECONNREFUSED').message, /nothing listens on port 1/);
  assert.equal(tcpFailure('w', 1, 'TIMEOUT').code, 'TCP_TIMEOUT');
  assert.equal(tlsFailure('w', 'CERT_HAS_EXPIRED', { host: 'h', validTo: 'Jan 1 2020' }).code, 'TLS_CERT_EXPIRED');
  const untrusted = tlsFailure('w', 'DEPTH_ZERO_SELF_SIGNED_CERT', { host: 'h', issuer: 'CN=me' });
  assert.equal(untrusted.code, 'TLS_UNTRUSTED');
  assert.match(untrusted.message, /CN=me/);
  assert.match(tlsFailure('w', 'ERR_TLS_CERT_ALTNAME_INVALID', { host: 'mail.example.com', names: ['DNS:other.example.com'] }).message, /other\.example\.com/);
  assert.equal(tlsFailure('w', 'ERR_SSL_WRONG_VERSION_NUMBER', { host: 'h' }).code, 'TLS_HANDSHAKE_FAILED');
});

test('Graph mailbox answers become advice: 403 (Mail.ReadWrite or access policy), out of scope, 404 mailbox not found', () => {
  const denied = graphMailboxFailure('desk@contoso.com', 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.', false);
  assert.equal(denied.code, 'GRAPH_ACCESS_DENIED');
  assert.match(denied.whatToDo, /Mail\.ReadWrite/);
  assert.match(denied.whatToDo, /application access policy/);
  assert.equal(graphMailboxFailure('m', 403, 'ErrorAccessDenied', 'Access to OData is disabled.', true).code, 'GRAPH_MAILBOX_OUT_OF_SCOPE');
  const missing = graphMailboxFailure('nobody@contoso.com', 404, 'ErrorInvalidUser', "The requested user 'nobody@contoso.com' is invalid.", false);
  assert.equal(missing.code, 'GRAPH_MAILBOX_NOT_FOUND');
  assert.match(missing.whatToDo, /connection\.username/);
});
