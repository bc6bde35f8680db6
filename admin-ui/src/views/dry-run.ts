import { call, get } from '../api';
import type { ChannelView } from '../../../shared/config/channel';
import type { DryRunResult } from '../../../shared/pipeline/dry-run';
import { h, replace } from '../dom';
import { href } from '../router';
import { badge, button, errorBar, facts, link, loading, messageBar, pageHeader, table, type View } from './common';
import { fieldsList, people, person, stageTrail } from './decision';
import { mailHtmlFrame } from './mail-html';

/**
 * Test with sample email: paste or upload an .eml, see what the channel would do with it —
 * every stage's decision, the outcome, the folder, and the ticket it would create — from the
 * dry-run API (no side effects).
 */
export function dryRunView(id: string): View {
  const result = h('div', { id: 'dry-run-result', 'aria-live': 'polite' });
  const text = h('textarea', { id: 'eml-text', rows: 10, spellcheck: 'false', 'aria-describedby': 'eml-hint' });
  const file = h('input', { id: 'eml-file', type: 'file', accept: '.eml,message/rfc822' });
  const title = h('span', null, 'Test with sample email');
  const run = async () => {
    const chosen = file.files?.[0];
    const body: Blob | string | undefined = chosen ?? (text.value.trim() !== '' ? text.value : undefined);
    if (!body) {
      replace(result, messageBar('warning', 'Paste a mail or choose an .eml file first.'));
      return;
    }
    replace(result, loading('Running the dry run'));
    try {
      const res = await call<DryRunResult>('POST', `channels/${encodeURIComponent(id)}/dry-run`, { raw: { body, type: 'message/rfc822' } });
      replace(result, renderResult(res.data));
    } catch (err) {
      replace(result, errorBar(err));
    }
  };
  const element = h(
    'section',
    { 'aria-labelledby': 'page-title' },
    pageHeader('Test with sample email', button('Back to the channel', () => (location.hash = href('channels', id)), { appearance: 'subtle' })),
    h('p', { class: 'lead' }, title, ': what this channel would do with a mail, stage by stage. Nothing is stored, moved or answered.'),
    h('div', { class: 'field' }, h('label', { for: 'eml-file', class: 'label' }, 'Upload an .eml file'), file),
    h('div', { class: 'field' }, h('label', { for: 'eml-text', class: 'label' }, 'or paste the raw mail'), text, h('div', { class: 'hint', id: 'eml-hint' }, 'The whole message source: headers, a blank line, the body.')),
    h('div', { class: 'form-actions' }, button('Run the test', () => void run(), { appearance: 'primary', id: 'run-dry-run' })),
    result,
  );
  void get<ChannelView>(`channels/${encodeURIComponent(id)}`).then((c) => replace(title, `Channel "${c.name}"`)).catch(() => undefined);
  return { element };
}

function renderResult(r: DryRunResult): HTMLElement {
  const mail = r.mail;
  const ticket = r.ticket;
  return h('div', { class: 'result' },
    h('h2', null, 'Result'),
    facts([
      ['Outcome', badge(r.outcome)],
      ['Decision', `${r.decision.action}${'code' in r.decision && r.decision.code ? ` — ${r.decision.code}` : ''}`],
      ['Reason', 'reason' in r.decision ? String(r.decision.reason ?? '') : ''],
      ['Mail would move to', r.targetFolder ?? '(stays where it is)'],
      ['Ledger key', r.ledgerKey],
    ]),
    r.alreadyProcessed ? messageBar('warning', `This mail was processed already (${r.alreadyProcessed.state}, ${r.alreadyProcessed.outcome ?? 'no outcome yet'}${r.alreadyProcessed.ticketId ? `, ticket ${r.alreadyProcessed.ticketId}` : ''}): the real run would make no new ticket.`) : null,
    h('h3', null, 'Stages'),
    stageTrail(r.decision.stages, 'Dry-run stages'),
    mail ? [
      h('h3', null, 'The mail as parsed'),
      facts([
        ['From', person(mail.from)],
        ['To', people(mail.to)],
        ['Subject', mail.subject],
        ['Date', mail.date ?? ''],
        ['Attachments', mail.attachments.map((a) => `${a.filename ?? '(unnamed)'} (${a.contentType}, ${a.size} bytes)`).join(', ')],
        ['Warnings', mail.warnings.join('; ')],
      ]),
    ] : null,
    threadAndAnswers(r.decision),
    r.decision.action === 'addNote' ? notePlan(r.decision.note) : null,
    r.classification ? [h('h3', null, 'Classification'), h('pre', { class: 'json' }, JSON.stringify(r.classification, null, 2))] : null,
    ticket ? [
      h('h3', null, 'The ticket it would create'),
      facts([
        ['Ticket id', ticket.id],
        ['Title', ticket.title],
        ['Requester', person(ticket.requester)],
        ['Priority', ticket.priority ?? ''],
        ['Template', ticket.templateId],
      ]),
      h('h4', null, 'Fields'),
      fieldsList(ticket.fields),
      h('h4', null, 'Description'),
      ticket.description.html ? mailHtmlFrame(ticket.description.html, 'Ticket description (HTML, sandboxed)') : h('pre', { class: 'mail-text' }, ticket.description.text),
      ticket.attachments.length > 0 ? table('Attachments of the ticket', ['File', 'Verdict'], ticket.attachments.map((a) => {
        const v = a as unknown as { filename?: string; name?: string; verdict?: string; blocked?: string; reason?: string };
        return [v.filename ?? v.name ?? '(unnamed)', v.blocked ?? v.reason ?? v.verdict ?? 'stored'];
      })) : null,
    ] : null,
  );
}

type Decision = DryRunResult['decision'];

/** Which ticket the mail belongs to (thread resolution) and what would be answered. */
function threadAndAnswers(d: Decision): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (d.thread) {
    out.push(h('h3', null, 'Thread'), facts([
      ['Ticket', d.thread.ticketId ? link(d.thread.ticketId, href('tickets', d.thread.ticketId)) : 'none (a new conversation)'],
      ['Result', `${d.thread.code}: ${d.thread.reason}`],
      ['Found by', d.thread.signals.join('; ')],
    ]));
  }
  if ('answers' in d && d.answers.length > 0) {
    out.push(h('h3', null, 'Answers'), table('Answers it would send', ['Purpose', 'Sent', 'To or why not'], d.answers.map((a) => [
      a.purpose,
      a.send ? 'yes' : 'no',
      a.send ? person(a.to) : `${a.suppression.code}: ${a.suppression.message}`,
    ])));
  }
  return out;
}

function notePlan(note: Extract<Decision, { action: 'addNote' }>['note']): HTMLElement {
  return h('div', null,
    h('h3', null, 'The note it would add'),
    facts([
      ['To ticket', link(note.ticketId, href('tickets', note.ticketId))],
      ['Author', person(note.author)],
      ['Reopens the ticket', note.reopen ? `yes (closed ${note.closedAt ?? ''})` : 'no'],
      ['Attachments', note.attachments.map((a) => `${a.filename}${a.blocked ? ` (blocked: ${a.blocked})` : ''}`).join(', ')],
    ]),
    note.html ? mailHtmlFrame(note.html, 'Note text (HTML, sandboxed)') : h('pre', { class: 'mail-text' }, note.text));
}
