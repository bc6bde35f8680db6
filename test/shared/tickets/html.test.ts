import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sanitizeTicketHtml } from '../../../shared/tickets/html';

test('stored ticket HTML has no name attributes, no bidi overrides in text and mailto links without parameters', () => {
  assert.equal(
    sanitizeTicketHtml('<a name="getElementById" href="mailto:help@example.com?bcc=attacker@evil.example">\u202Etxt.exe</a>'),
    '<a href="mailto:help@example.com" rel="noopener noreferrer nofollow" target="_blank">txt.exe</a>',
  );
});
