import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import {
  AgentReplyRequest, agentReplyIds, base64DecodedLength, composeAgentReply, replyBody, MAX_REPLY_ATTACHMENT_BYTES, MAX_REPLY_CC, type AgentReplyInput,
} from '../../../shared/answers/agent-reply';
import { ownAddressSet } from '../../../shared/answers/recipient';
import { MAIL_CHANNEL_HEADER } from '../../../shared/mail/classify';
import { composeMime, validOutboundMail } from '../../../shared/outbound/compose';
import { findMarkers } from '../../../shared/threading/thread-marker';
import { DEFAULT_TOKEN_FORMAT, findTokens, formatToken, tokenRef, verifyToken } from '../../../shared/threading/ticket-token';

const KEY = Buffer.alloc(32, 7);
const channel = { id: 'ch-1', name: 'IT Service Desk', address: 'support@desk.example', replyTo: 'help@desk.example' };
const input: AgentReplyInput = {
  body: { text: 'Hello Jane,\n\nthe printer is fixed.', html: '<p>Hello Jane,</p><p>the printer is fixed.</p>' },
  cc: [],
  settings: {},
  channel,
  ticket: { title: 'Printer on floor 3', requester: { email: 'jane@example.com', name: 'Jane Doe' } },
  thread: { lastMessageId: '<note-2@mail.example.com>', references: ['<root@mail.example.com>', '<mc.1@desk.example>'] },
  ourAddresses: ownAddressSet([channel.address, channel.replyTo, 'other-desk@desk.example']),
  token: formatToken(DEFAULT_TOKEN_FORMAT, channel.id, 123, KEY),
  ref: tokenRef(DEFAULT_TOKEN_FORMAT, channel.id, 123, KEY),
  tokenFormat: DEFAULT_TOKEN_FORMAT,
  messageId: '<mc.reply1@desk.example>',
};

function composed(i: AgentReplyInput = input) {
  const r = composeAgentReply(i);
  assert.ok(r.ok, JSON.stringify(r));
  return r.mail;
}

test('the reply goes from the channel mailbox (with its name) to the requester, Reply-To the channel’s reply-to, with our Message-ID', () => {
  const m = composed();
  assert.deepEqual(m.from, { name: 'IT Service Desk', address: 'support@desk.example' });
  assert.deepEqual(m.to, { name: 'Jane Doe', address: 'jane@example.com' });
  assert.equal(m.replyTo, 'help@desk.example');
  assert.equal(m.messageId, '<mc.reply1@desk.example>');
  assert.equal(m.cc, undefined);
});

test('the channel’s fromName, when set, is the From name', () => {
  assert.deepEqual(composed({ ...input, settings: { fromName: 'Contoso Support' } }).from, { name: 'Contoso Support', address: 'support@desk.example' });
});

test('the subject is "Re: <ticket title>" behind the signed token, which verifies for the channel only', () => {
  const m = composed();
  assert.equal(m.subject, `${input.token} Re: Printer on floor 3`);
  const [token] = findTokens(DEFAULT_TOKEN_FORMAT, m.subject);
  assert.equal(token?.ticketNumber, 123);
  assert.ok(verifyToken(token!, channel.id, [KEY]));
  assert.equal(verifyToken(token!, 'ch-2', [KEY]), false);
});

test('a title that carries reply prefixes or an old token gets one "Re:" and one token', () => {
  const m = composed({ ...input, ticket: { ...input.ticket, title: `AW: Re: ${formatToken(DEFAULT_TOKEN_FORMAT, channel.id, 99, KEY)} Printer\r\non floor 3` } });
  assert.equal(m.subject, `${input.token} Re: Printer on floor 3`);
  assert.equal(findTokens(DEFAULT_TOKEN_FORMAT, m.subject).length, 1);
});

test('it is threaded to the customer’s latest mail: In-Reply-To that mail, References the thread ending with it', () => {
  const m = composed();
  assert.equal(m.inReplyTo, '<note-2@mail.example.com>');
  assert.deepEqual(m.references, ['<root@mail.example.com>', '<mc.1@desk.example>', '<note-2@mail.example.com>']);
});

test('without a known mail the reply is not threaded, and still composed', () => {
  const m = composed({ ...input, thread: { references: [] } });
  assert.equal(m.inReplyTo, undefined);
  assert.equal(m.references, undefined);
});

test('the signed marker is in the text and in the HTML, and our marker finder reads it back', () => {
  const m = composed();
  assert.match(m.text, /^Hello Jane,\n\nthe printer is fixed\.\n\n\[ref:T-000123-[a-z2-7]{8}\]\n$/);
  const found = findMarkers(DEFAULT_TOKEN_FORMAT, m.html, m.text);
  assert.deepEqual(found.map((f) => [f.ticketNumber, f.source]), [[123, 'html']]);
  assert.ok(verifyToken(found[0]!, channel.id, [KEY]));
});

test('a person’s mail: no Auto-Submitted, no X-Auto-Response-Suppress — only our stamp — also in the MIME on the wire', async () => {
  const m = composed();
  assert.deepEqual(m.headers, { [MAIL_CHANNEL_HEADER]: 'ch-1' });
  const { raw } = await composeMime(channel.id, validOutboundMail(m, 'TEST'));
  const parsed = await simpleParser(raw);
  assert.equal(parsed.headers.get('auto-submitted'), undefined);
  assert.equal(parsed.headers.get('x-auto-response-suppress'), undefined);
  assert.equal(parsed.headers.get('x-mailchannel-id'), 'ch-1');
  assert.equal(parsed.inReplyTo, '<note-2@mail.example.com>');
});

test('cc: kept in order, the requester and repeats (same mailbox, other case or +tag) dropped', () => {
  const m = composed({ ...input, cc: ['boss@example.com', 'Jane@Example.com', 'BOSS+x@example.com', 'it@partner.example'] });
  assert.deepEqual(m.cc, ['boss@example.com', 'it@partner.example']);
});

test('a cc that is one of our own addresses (any channel’s) is refused, naming the field', () => {
  const r = composeAgentReply({ ...input, cc: ['boss@example.com', 'Other-Desk@desk.example'] });
  assert.ok(!r.ok);
  assert.deepEqual([r.problem.kind, r.problem.code, r.problem.kind === 'request' ? r.problem.path : ''], ['request', 'OWN_ADDRESS', 'cc.1']);
  assert.match(r.problem.message, /own addresses/);
});

test('a no-reply cc is refused', () => {
  const r = composeAgentReply({ ...input, cc: ['no-reply@example.com'] });
  assert.ok(!r.ok && r.problem.code === 'NO_REPLY_ADDRESS');
});

test('a requester that is one of our addresses, a no-reply address or no address: the ticket cannot be answered', () => {
  for (const [email, code] of [['help@desk.example', 'OWN_ADDRESS'], ['noreply@shop.example', 'NO_REPLY_ADDRESS'], ['not an address', 'SENDER_INVALID']] as const) {
    const r = composeAgentReply({ ...input, ticket: { ...input.ticket, requester: { email } } });
    assert.ok(!r.ok, email);
    assert.equal(r.problem.kind, 'ticket');
    assert.equal(r.problem.code, code);
  }
});

test('a channel address that is not one: refused, not thrown', () => {
  const r = composeAgentReply({ ...input, channel: { ...channel, address: 'desk' } });
  assert.ok(!r.ok && r.problem.code === 'CHANNEL_ADDRESS_INVALID');
});

test('request: text or html is required; unknown fields are refused', () => {
  assert.equal(AgentReplyRequest.safeParse({}).success, false);
  assert.equal(AgentReplyRequest.safeParse({ text: '  ' }).success, false);
  assert.equal(AgentReplyRequest.safeParse({ html: '<p>x</p>' }).success, true);
  const unknown = AgentReplyRequest.safeParse({ text: 'x', bcc: ['a@example.com'] });
  assert.ok(!unknown.success && unknown.error.issues[0]?.code === 'unrecognized_keys');
});

test(`request: at most ${MAX_REPLY_CC} cc, each an address`, () => {
  const cc = Array.from({ length: MAX_REPLY_CC }, (_, i) => `p${i}@example.com`);
  assert.equal(AgentReplyRequest.safeParse({ text: 'x', cc }).success, true);
  const over = AgentReplyRequest.safeParse({ text: 'x', cc: [...cc, 'one-more@example.com'] });
  assert.ok(!over.success && over.error.issues[0]?.path.join('.') === 'cc');
  const bad = AgentReplyRequest.safeParse({ text: 'x', cc: ['a@example.com', 'Bob <b@example.com>'] });
  assert.ok(!bad.success && bad.error.issues[0]?.path.join('.') === 'cc.1');
});

test('request: attachments are base64, a media type and a file name without control characters, together within the size limit', () => {
  const ok = AgentReplyRequest.parse({ text: 'x', attachments: [{ filename: 'log.txt', contentBase64: Buffer.from('hello').toString('base64') }] });
  assert.equal(ok.attachments[0]?.contentType, 'application/octet-stream');
  const bad = (a: Record<string, unknown>) => AgentReplyRequest.safeParse({ text: 'x', attachments: [{ filename: 'a.txt', contentBase64: 'aGk=', ...a }] });
  assert.equal(bad({ contentBase64: 'not base64!' }).success, false);
  assert.equal(bad({ contentType: 'text' }).success, false);
  assert.equal(bad({ contentType: 'text/plain\r\nBcc: x@example.com' }).success, false);
  assert.equal(bad({ filename: 'a\r\nb.txt' }).success, false);
  const half = Buffer.alloc(MAX_REPLY_ATTACHMENT_BYTES / 2 + 1).toString('base64');
  const tooBig = AgentReplyRequest.safeParse({ text: 'x', attachments: [{ filename: 'a.bin', contentBase64: half }, { filename: 'b.bin', contentBase64: half }] });
  assert.ok(!tooBig.success && tooBig.error.issues[0]?.path.join('.') === 'attachments');
});

test('base64DecodedLength counts what the text decodes to, padding included', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 1000]) assert.equal(base64DecodedLength(Buffer.alloc(n).toString('base64')), n);
});

test('reply body: HTML is sanitized (no script, no handlers); text from the HTML when only HTML is given', () => {
  const b = replyBody({ html: '<p onclick="x()">Fixed <b>now</b></p><script>alert(1)</script>' });
  assert.equal(b.html, '<p>Fixed <b>now</b></p>');
  assert.equal(b.text, 'Fixed now');
  assert.deepEqual(replyBody({ text: 'plain only' }), { text: 'plain only' });
});

test('ids: the same Idempotency-Key on the same ticket gives the same note and outbox ids; another ticket or key, others; no key, a fresh one each call', () => {
  let n = 0;
  const fresh = () => `uuid-${++n}`;
  const a = agentReplyIds('T-1', 'key-1', fresh);
  assert.deepEqual(agentReplyIds('T-1', 'key-1', fresh), a);
  assert.equal(a.outboxId, `${a.noteId}:agentReply`);
  assert.notEqual(agentReplyIds('T-2', 'key-1', fresh).noteId, a.noteId);
  assert.notEqual(agentReplyIds('T-1', 'key-2', fresh).noteId, a.noteId);
  assert.equal(n, 0);
  assert.notEqual(agentReplyIds('T-1', undefined, fresh).noteId, agentReplyIds('T-1', undefined, fresh).noteId);
});
