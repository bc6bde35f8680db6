import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { resetSettingsCache } from '../../shared/config/settings';
import { normalizeMessageId } from '../../shared/pipeline/ledger-key';
import { resetCosmosClient } from '../../shared/store/cosmos';
import { DEFAULT_TOKEN_FORMAT, findTokens, type FoundToken } from '../../shared/threading/ticket-token';
import { startSmtpCapture, type SmtpCapture } from '../shared/outbound/smtp-capture';
import { startDovecot, type Dovecot, type DovecotUser } from './dovecot';
import { api, eventually, publishChannel, tickets } from './mail-e2e';
import { startTestStack, type TestStack } from './stack';

/**
 * The world of the reply scenarios (issue 7): the local Functions host with Azurite and the
 * Cosmos emulator, Dovecot for IMAP channels whose SMTP goes to an `smtp-server` capture,
 * and (optionally) the Graph simulator whose sendMail delivers into its mailboxes. This
 * process points at the stack's Cosmos too, so a test can read the thread index or set a
 * ticket's `closedAt` the way only time would.
 */
export interface ReplyWorld {
  stack: TestStack;
  dovecot: Dovecot;
  capture: SmtpCapture;
  sim?: GraphSimulator;
  stop(): Promise<void>;
}

export async function startReplyWorld(opts: { desks: DovecotUser[]; graphMailboxes?: string[] }): Promise<ReplyWorld> {
  const [dovecot, capture, sim] = await Promise.all([
    startDovecot({ users: opts.desks }),
    startSmtpCapture({ passwords: Object.fromEntries(opts.desks.map((d) => [d.user, d.password])) }),
    opts.graphMailboxes ? startGraphSimulator({ mailboxes: opts.graphMailboxes }) : Promise.resolve(undefined),
  ]);
  let stack: TestStack;
  try {
    stack = await startTestStack({ trustCa: [dovecot.caCertPem, ...(sim ? [sim.caCertPem] : [])] });
  } catch (err) {
    // the servers started so far would keep the test process alive until the file times out
    await Promise.all([dovecot.stop(), capture.stop(), sim?.stop()]);
    throw err;
  }
  Object.assign(process.env, { COSMOS_ENDPOINT: stack.env.COSMOS_ENDPOINT, COSMOS_KEY: stack.env.COSMOS_KEY, COSMOS_DATABASE: stack.env.COSMOS_DATABASE, AzureWebJobsStorage: stack.env.AzureWebJobsStorage });
  resetSettingsCache();
  resetCosmosClient();
  return {
    stack,
    dovecot,
    capture,
    ...(sim ? { sim } : {}),
    stop: async () => {
      resetCosmosClient();
      await stack.stop();
      await Promise.all([dovecot.stop(), capture.stop(), sim?.stop()]);
    },
  };
}

/** The template the channels map mail onto; on the whitelist unless a test says otherwise. */
export const TEMPLATE = 'it-support';

/** The admin-API body of an IMAP channel on Dovecot, sending through the capture, its template whitelisted. */
export function imapChannelInput(world: ReplyWorld, desk: DovecotUser, over: Record<string, unknown> = {}) {
  return {
    name: `Desk ${desk.user}`,
    connection: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: world.dovecot.port,
      tls: 'starttls',
      username: desk.user,
      replyTo: `reply-${desk.user}`,
      auth: { type: 'password', password: desk.password },
      smtp: { host: '127.0.0.1', port: world.capture.port, tls: 'none', allowPlaintext: true },
    },
    folders: { read: ['INBOX'], success: 'Processed', fail: 'Failed' },
    domains: { allowed: ['example.org'] },
    ticketMapping: { templateId: TEMPLATE, whitelist: [TEMPLATE] },
    ...over,
  };
}

/** The admin-API body of a Graph channel on the simulator, its template whitelisted. */
export function graphChannelInput(world: ReplyWorld, mailbox: string, over: Record<string, unknown> = {}) {
  assert.ok(world.sim, 'the world has no Graph simulator');
  return { ...simulatorChannelInput(world.sim, mailbox), ticketMapping: { templateId: TEMPLATE, whitelist: [TEMPLATE] }, ...over };
}

export async function publish(world: ReplyWorld, input: Record<string, unknown>): Promise<string> {
  const id = await publishChannel(world.stack, input);
  await world.stack.settle(30_000);
  return id;
}

export async function patchChannel(world: ReplyWorld, channelId: string, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${world.stack.baseUrl}/api/channels/${encodeURIComponent(channelId)}`, {
    method: 'PATCH',
    headers: { 'x-functions-key': world.stack.adminKey, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify(patch),
  });
  assert.equal(res.status, 200, await res.text());
}

export async function sync(world: ReplyWorld, channelId: string): Promise<void> {
  const res = await api(world.stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await world.stack.settle(60_000);
}

// ---------------------------------------------------------------------------------------
// Mail as clients write it

export interface MailParts {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  date?: Date;
}

export const newMessageId = (what: string) => `<${what}-${crypto.randomUUID()}@client.example.org>`;

/** A plain-text RFC 822 mail with CRLF line ends. */
export function mime(p: MailParts): Buffer {
  const lines = [
    `From: ${p.from}`,
    `To: ${p.to}`,
    `Subject: ${p.subject}`,
    `Date: ${(p.date ?? new Date()).toUTCString()}`,
    `Message-ID: ${p.messageId}`,
    ...(p.inReplyTo ? [`In-Reply-To: ${p.inReplyTo}`] : []),
    ...(p.references?.length ? [`References: ${p.references.join(' ')}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    ...Object.entries(p.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    '',
    p.text.replace(/\r?\n/g, '\r\n'),
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/**
 * A customer's reply to `original` as a mail client writes it (top-posted, Gmail style): the
 * new text, then "On <date>, <name> <address> wrote:" and the original's text quoted with
 * "> " — which carries our hidden marker along. Each option drops what some clients drop.
 */
export function replyTo(
  original: ParsedMail,
  p: { from: string; to: string; text: string; messageId?: string; subject?: string; threadHeaders?: boolean; quote?: boolean },
): { raw: Buffer; messageId: string } {
  const messageId = p.messageId ?? newMessageId('reply');
  const sender = original.from?.value[0];
  const quoted = (original.text ?? '').trimEnd().split('\n').map((l) => (l.trim() === '' ? '>' : `> ${l}`)).join('\n');
  const attribution = `On ${(original.date ?? new Date()).toUTCString()}, ${sender?.name ?? ''} <${sender?.address ?? ''}> wrote:`;
  const text = p.quote === false ? p.text : `${p.text}\n\n${attribution}\n${quoted}\n`;
  const parentRefs = [original.references ?? []].flat();
  const threading = p.threadHeaders === false || !original.messageId ? {} : { inReplyTo: original.messageId, references: [...parentRefs, original.messageId] };
  return { raw: mime({ from: p.from, to: p.to, subject: p.subject ?? `Re: ${original.subject ?? ''}`, messageId, text, ...threading }), messageId };
}

/**
 * A reply as Outlook (desktop, web) writes it: multipart/alternative; in text, the new text
 * then Outlook's header block (From / Sent / To / Subject) and the original unquoted; in
 * HTML, the new text, `div#appendonsend`, an `hr`, `div#divRplyFwdMsg` with the header
 * block, and the original HTML — which carries our marker in its small grey line. Outlook
 * keeps In-Reply-To; `threadHeaders: false` is a server or gateway that dropped it;
 * `htmlOnly` leaves out the text part (as Outlook mobile and some gateways send).
 */
export function outlookReplyTo(
  original: ParsedMail,
  p: { from: string; to: string; text: string; subject?: string; threadHeaders?: boolean; htmlOnly?: boolean },
): { raw: Buffer; messageId: string } {
  const messageId = newMessageId('outlook');
  const sender = original.from?.value[0];
  const sent = (original.date ?? new Date()).toUTCString();
  const block = [`From: ${sender?.name ?? ''} <${sender?.address ?? ''}>`, `Sent: ${sent}`, `To: ${p.from}`, `Subject: ${original.subject ?? ''}`];
  const text = `${p.text}\n\n________________________________\n${block.join('\n')}\n\n${(original.text ?? '').trimEnd()}\n`;
  const escape = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const originalHtml = typeof original.html === 'string' ? original.html : `<pre>${escape(original.text ?? '')}</pre>`;
  const html = [
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>',
    `<div style="font-family: Aptos, sans-serif; font-size: 12pt;">${p.text.split('\n').map((l) => (l ? escape(l) : '<br>')).join('<br>')}</div>`,
    '<div id="appendonsend"></div>',
    '<hr style="display:inline-block;width:98%" tabindex="-1">',
    `<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">${block.map((l) => { const [k, ...v] = l.split(': '); return `<b>${k}:</b> ${escape(v.join(': '))}`; }).join('<br>')}</font><div>&nbsp;</div></div>`,
    `<div>${originalHtml}</div>`,
    '</body></html>',
  ].join('\r\n');
  const boundary = `----=_NextPart_${crypto.randomUUID()}`;
  const threading = p.threadHeaders === false || !original.messageId ? [] : [`In-Reply-To: ${original.messageId}`, `References: ${[...[original.references ?? []].flat(), original.messageId].join(' ')}`];
  const lines = [
    `From: ${p.from}`,
    `To: ${p.to}`,
    `Subject: ${p.subject ?? `RE: ${original.subject ?? ''}`}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    ...threading,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    ...(p.htmlOnly
      ? []
      : [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', ...(Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8').toString('base64').match(/.{1,76}/g) ?? [])]),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    ...(Buffer.from(html, 'utf8').toString('base64').match(/.{1,76}/g) ?? []),
    `--${boundary}--`,
    '',
  ];
  return { raw: Buffer.from(lines.join('\r\n'), 'utf8'), messageId };
}

// ---------------------------------------------------------------------------------------
// What the host did

export interface LedgerEntry {
  id: string;
  state: string;
  messageId?: string;
  subject?: string;
  outcome?: string;
  reasonCode?: string;
  reason?: string;
  ticketId?: string;
  noteId?: string;
  rawBlob?: string;
  thread?: { ticketId?: string; code: string; reason: string; signals: string[] };
  answers?: { purpose: string; outboxId?: string; to?: string; suppression?: { code: string; message: string } }[];
  duplicates: unknown[];
  source: { folder?: string };
  targetFolder?: string;
}

export async function ledgerOf(world: ReplyWorld, channelId: string): Promise<LedgerEntry[]> {
  const res = await api<{ items: LedgerEntry[] }>(world.stack, 'GET', `channels/${channelId}/messages?limit=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

/** The ledger record of the mail with this Message-ID (exactly one). */
export async function ledgerEntry(world: ReplyWorld, channelId: string, messageId: string): Promise<LedgerEntry> {
  const found = (await ledgerOf(world, channelId)).filter((r) => r.messageId !== undefined && normalizeMessageId(r.messageId) === normalizeMessageId(messageId));
  assert.equal(found.length, 1, `one ledger record of ${messageId}\n${world.stack.logs().slice(-3000)}`);
  return found[0]!;
}

export interface NoteView {
  id: string;
  direction: string;
  text: string;
  html?: string;
  outboxId?: string;
  author: { email: string; name?: string };
  source?: { channelId: string; ledgerKey: string; messageId?: string; rawBlob?: string };
}

export interface TicketView {
  id: string;
  number?: number;
  status: string;
  closedAt?: string;
  title: string;
  templateId: string;
  relatedTicketId?: string;
  participants: string[];
  requester: { email: string };
  notes: NoteView[];
}

export async function readTicket(world: ReplyWorld, id: string): Promise<TicketView> {
  const res = await api<TicketView>(world.stack, 'GET', `tickets/${encodeURIComponent(id)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

export const channelTickets = (world: ReplyWorld, channelId: string) => tickets(world.stack, channelId);

/** Every mail the capture holds, parsed. */
export const capturedMails = (world: ReplyWorld) => Promise.all(world.capture.mails.map((m) => simpleParser(m.raw)));

export const header = (m: ParsedMail, name: string): string | undefined => {
  const v = m.headers.get(name);
  return typeof v === 'string' ? v : undefined;
};

export const addressesOf = (field: ParsedMail['to']): string[] => (Array.isArray(field) ? field : field ? [field] : []).flatMap((t) => t.value.map((a) => a.address ?? ''));

export const tokenOf = (m: ParsedMail): FoundToken | undefined => findTokens(DEFAULT_TOKEN_FORMAT, m.subject ?? '')[0];

/** The captured acknowledgement that answers the customer's mail `messageId` (waits for it). */
export async function capturedAnswerTo(world: ReplyWorld, messageId: string): Promise<ParsedMail> {
  let found: ParsedMail | undefined;
  await eventually(world.stack, async () => {
    found = (await capturedMails(world)).find((m) => m.inReplyTo === messageId && header(m, 'auto-submitted') === 'auto-replied');
    return found !== undefined;
  }, `an auto-response to ${messageId}`);
  return found!;
}

/** Our mails the Graph simulator delivered into `mailbox`'s inbox, parsed. */
export async function simInbox(world: ReplyWorld, mailbox: string): Promise<ParsedMail[]> {
  assert.ok(world.sim);
  const sim = world.sim;
  return Promise.all(sim.folderMessages(mailbox, 'inbox').map((m) => simpleParser(sim.rawMessage(mailbox, m.id)!)));
}
