import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAIL_FRAME_CSP, mailFrameDocument } from '../../admin-ui/src/mail-frame';

test('the mail frame’s own CSP comes before any byte of the mail and allows no script and no remote load', () => {
  const doc = mailFrameDocument('<meta http-equiv="Content-Security-Policy" content="script-src *"><script>x()</script>');
  assert.ok(doc.indexOf(MAIL_FRAME_CSP) < doc.indexOf('<script>'));
  assert.ok(doc.indexOf(MAIL_FRAME_CSP) < doc.indexOf('script-src *'), 'a policy in the mail can only add restrictions after ours');
  assert.match(MAIL_FRAME_CSP, /^default-src 'none'/);
  assert.doesNotMatch(MAIL_FRAME_CSP, /script-src|https?:|\*/);
});
