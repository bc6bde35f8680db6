import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressVerdict, classifyAddress, hostSyntaxProblem } from '../../../shared/net/address-policy';

const STRICT = { allowPrivate: false };
const LOCAL = { allowPrivate: true };

test('addresses are classified by range, IPv4-mapped IPv6 as the IPv4 address it carries', () => {
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.5.6.7', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['10.0.0.5', 'private'],
    ['172.16.1.1', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd00::', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['168.63.129.16', 'platform'],
    ['fd00:ec2::254', 'platform'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'multicast'],
    ['ff02::1', 'multicast'],
    ['192.0.2.1', 'reserved'],
    ['64:ff9b::7f00:1', 'embedded-ipv4'],
    ['2002:7f00:1::', 'embedded-ipv4'],
    ['[::1]', 'loopback'],
  ];
  for (const [address, cls] of cases) assert.equal(classifyAddress(address), cls, address);
});

test('decimal, octal, hex and short IPv4 spellings are not addresses: a resolver would read them as 127.0.0.1', () => {
  for (const spelled of ['2130706433', '0177.0.0.1', '0x7f.0.0.1', '0x7f000001', '127.1', '017700000001', 'fe80::1%eth0']) {
    assert.equal(classifyAddress(spelled), 'invalid', spelled);
    assert.equal(addressVerdict(spelled, LOCAL).allowed, false, spelled);
  }
});

test('public addresses are always allowed; private and loopback only with MAIL_ALLOW_PRIVATE_HOSTS; metadata and link-local never', () => {
  for (const a of ['8.8.8.8', '2001:4860:4860::8888']) {
    assert.equal(addressVerdict(a, STRICT).allowed, true, a);
    assert.equal(addressVerdict(a, LOCAL).allowed, true, a);
  }
  for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.5', '192.168.1.1', 'fd00::1']) {
    const strict = addressVerdict(a, STRICT);
    assert.equal(strict.allowed, false, a);
    assert.match(strict.allowed ? '' : strict.reason, /MAIL_ALLOW_PRIVATE_HOSTS/);
    assert.equal(addressVerdict(a, LOCAL).allowed, true, a);
  }
  for (const a of ['169.254.169.254', '::ffff:169.254.169.254', 'fe80::1', '168.63.129.16', 'fd00:ec2::254', '0.0.0.0', '::', '224.0.0.1', '64:ff9b::a9fe:a9fe']) {
    assert.equal(addressVerdict(a, LOCAL).allowed, false, a);
  }
});

test('a host is a DNS name or an IP literal: no scheme, port, path, user info, whitespace, control characters or odd IPv4 spellings', () => {
  for (const ok of ['imap.example.com', 'outlook.office365.com', 'mail-1.example.co.uk.', 'localhost', '127.0.0.1', '10.1.2.3', '::1', '[::1]', '2001:db8::25', 'xn--bcher-kva.example']) {
    assert.equal(hostSyntaxProblem(ok), undefined, ok);
  }
  for (const bad of [
    '', 'imaps://imap.example.com', 'imap.example.com:993', 'imap.example.com/path', 'user@imap.example.com', 'imap example.com', ' imap.example.com',
    'imap.example.com\r\nA1 LOGIN x y', 'imap.example.com\u0000', 'imap_example.com', '-imap.example.com', 'a..b', '[127.0.0.1]', 'fe80::1%eth0',
    '2130706433', '0177.0.0.1', '0x7f.0.0.1', '0x7f000001', '127.1', '1.2.3.4.5', 'example.123', `${'a'.repeat(64)}.example.com`, `${'a.'.repeat(127)}com`,
  ]) {
    assert.notEqual(hostSyntaxProblem(bad), undefined, JSON.stringify(bad));
  }
});
