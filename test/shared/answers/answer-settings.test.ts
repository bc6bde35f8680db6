import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AnswerSettings,
  AUTO_RESPONSE_PLACEHOLDERS,
  autoResponseTemplate,
  DEFAULT_ANSWER_SETTINGS,
  NOTIFICATION_PLACEHOLDERS,
  statusNotificationTemplate,
} from '../../../shared/answers/answer-settings';
import { DEFAULT_AUTO_RESPONSE, DEFAULT_STATUS_NOTIFICATION } from '../../../shared/answers/default-templates';
import { validateTemplate } from '../../../shared/answers/render-template';

test('an empty object gives the defaults: acknowledgements on, 5 per sender and hour, no acknowledgement of notes, notifications on resolved and closed, English', () => {
  const s = AnswerSettings.parse({});
  assert.equal(s.autoResponse.enabled, true);
  assert.equal(s.autoResponse.perSenderPerHour, 5);
  assert.equal(s.autoResponse.onNote, false);
  assert.equal(s.statusNotification.enabled, true);
  assert.deepEqual(s.statusNotification.statuses, ['resolved', 'closed']);
  assert.equal(s.language, 'en');
  assert.deepEqual(s.aliases, []);
  assert.deepEqual(s, DEFAULT_ANSWER_SETTINGS);
});

test('without a template of its own the channel uses its language’s default', () => {
  assert.deepEqual(autoResponseTemplate(DEFAULT_ANSWER_SETTINGS), DEFAULT_AUTO_RESPONSE.en);
  const de = AnswerSettings.parse({ language: 'de' });
  assert.deepEqual(autoResponseTemplate(de), DEFAULT_AUTO_RESPONSE.de);
  assert.deepEqual(statusNotificationTemplate(de), DEFAULT_STATUS_NOTIFICATION.de);
  const own = { subject: 'Got it: {{customerSubject}}', text: 'Ticket {{ticketNumber}}' };
  assert.deepEqual(autoResponseTemplate(AnswerSettings.parse({ autoResponse: { template: own } })), own);
});

test('every default template uses only the placeholders its mail offers, and fits the limits', () => {
  for (const [set, known] of [
    [DEFAULT_AUTO_RESPONSE, AUTO_RESPONSE_PLACEHOLDERS],
    [DEFAULT_STATUS_NOTIFICATION, NOTIFICATION_PLACEHOLDERS],
  ] as const) {
    for (const [language, t] of Object.entries(set)) {
      for (const target of ['subject', 'text', 'html'] as const) {
        assert.deepEqual(validateTemplate(t[target] ?? 'x', known, target), [], `${language} ${target}`);
      }
    }
  }
});

test('a template with an unknown placeholder is refused with its path (the API answers 400)', () => {
  const r = AnswerSettings.safeParse({ autoResponse: { template: { subject: 'Re: {{subject}}', text: 'ok {{ticketNumber}}', html: '<p>{{ticketStatus}}</p>' } } });
  assert.equal(r.success, false);
  const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.equal(issues.length, 2);
  assert.match(issues[0]!, /^autoResponse\.template\.subject: unknown placeholder \{\{subject\}\}/);
  // ticketStatus belongs to notifications only
  assert.match(issues[1]!, /^autoResponse\.template\.html: unknown placeholder \{\{ticketStatus\}\}/);
  assert.ok(AnswerSettings.safeParse({ statusNotification: { template: { subject: '{{ticketStatus}}', text: '{{ticketStatus}}' } } }).success);
});

test('a subject template with a line break, a limit out of range, an alias that is no address are refused', () => {
  assert.equal(AnswerSettings.safeParse({ autoResponse: { template: { subject: 'a\nBcc: x@y.z', text: 't' } } }).success, false);
  assert.equal(AnswerSettings.safeParse({ autoResponse: { perSenderPerHour: 0 } }).success, false);
  assert.equal(AnswerSettings.safeParse({ autoResponse: { perSenderPerHour: 101 } }).success, false);
  assert.equal(AnswerSettings.safeParse({ aliases: ['not an address'] }).success, false);
  assert.equal(AnswerSettings.safeParse({ statusNotification: { statuses: ['open'] } }).success, false);
});
