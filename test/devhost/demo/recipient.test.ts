import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoRecipient } from '../../../devhost/demo/recipient';

test('an address at demo.test is accepted, lower-cased, whatever its case', () => {
  assert.deepEqual(demoRecipient('HelpDesk@Demo.TEST'), { accept: true, mailbox: 'helpdesk@demo.test' });
  assert.deepEqual(demoRecipient('"odd@local"@demo.test'), { accept: true, mailbox: '"odd@local"@demo.test' }, 'the domain is what follows the last @');
});

test('any other domain is refused with 550 5.7.1 saying the intake is not a relay', () => {
  for (const address of ['someone@gmail.com', 'helpdesk@demo.test.evil.example', 'x@sub.demo.test', 'x@demo.testing']) {
    const v = demoRecipient(address);
    assert.equal(v.accept, false, address);
    if (v.accept) continue;
    assert.equal(v.responseCode, 550);
    assert.match(v.message, /^5\.7\.1 .*relaying denied.*@demo\.test.*not a relay/);
  }
});

test('something that is no address, or longer than 254 characters, is refused with 553', () => {
  for (const address of ['', 'nobody', '@demo.test', 'nobody@', `${'a'.repeat(250)}@demo.test`]) {
    const v = demoRecipient(address);
    assert.equal(v.accept, false, address);
    if (!v.accept) assert.equal(v.responseCode, 553, address);
  }
});

test('another demo domain can be named', () => {
  assert.equal(demoRecipient('a@example.test', 'example.test').accept, true);
  assert.equal(demoRecipient('a@demo.test', 'example.test').accept, false);
});
