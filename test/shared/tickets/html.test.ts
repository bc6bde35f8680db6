import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sanitizeTicketHtml } from '../../../shared/tickets/html';

test('stored ticket HTML has no name attributes, no bidi overrides in text and mailto links without parameters', () => {
  assert.equal(
    sanitizeTicketHtml('<a name="getElementById" href="mailto:help@example.com?bcc=attacker@evil.example">\u202Etxt.exe</a>'),
    '<a href="mailto:help@example.com" rel="noopener noreferrer nofollow" target="_blank">txt.exe</a>',
  );
});

test('stored ticket HTML keeps the inline styles that format (colour, font, alignment) and drops those that load or move something', () => {
  assert.equal(sanitizeTicketHtml('<p style="color: rgb(255,0,0); font-weight: bold">red</p>'), '<p style="color:rgb(255,0,0);font-weight:bold">red</p>');
  assert.equal(
    sanitizeTicketHtml('<p style="background: url(http://tracker.example/p.gif); position: fixed; z-index: 9; color: #00f">x</p>'),
    '<p style="color:#00f">x</p>',
  );
  const once = sanitizeTicketHtml('<div style="text-align: center; margin: 4px auto">y</div>');
  assert.equal(sanitizeTicketHtml(once), once, 'idempotent');
});
