import { adminKey, get } from '../api';
import type { TicketView } from '../../../shared/admin/ticket-view';
import type { TicketWithNotes } from '../../../shared/tickets/ticket';
import { h, replace } from '../dom';
import { href } from '../router';
import { badge, errorBar, facts, link, loading, pageHeader, table, when, type View } from './common';
import { fieldsList, people, person } from './decision';
import { mailHtmlFrame } from './mail-html';

type Attachment = TicketWithNotes['attachments'][number] & { href?: string };
/** What GET /tickets/{id} adds: download links (attachments, the original mail) and each outbound note's mail state. */
type Shown = Omit<TicketView, 'notes'> & { originalHref?: string; notes: (TicketView['notes'][number] & { originalHref?: string })[] };

/** Tickets, read only, as the service desk would see them. */
export function ticketsView(): View {
  const body = h('div', null, loading('Loading tickets'));
  void get<{ items: TicketWithNotes[] }>('tickets?limit=200').then(({ items }) => {
    replace(body, items.length === 0 ? h('p', null, 'No ticket yet.') : table('Tickets', ['Number', 'Title', 'Requester', 'Status', 'Created', 'Notes'], items.map((t) => [
      t.number !== undefined ? `#${t.number}` : '—',
      link(t.title, href('tickets', t.id)),
      person(t.requester),
      badge(t.status),
      when(t.createdAt),
      String(t.notes.length),
    ])));
  }).catch((err: unknown) => replace(body, errorBar(err)));
  return { element: h('section', { 'aria-labelledby': 'page-title' }, pageHeader('Tickets'), body) };
}

export function ticketView(id: string): View {
  const element = h('section', { 'aria-labelledby': 'page-title' }, loading('Loading the ticket'));
  void get<Shown>(`tickets/${encodeURIComponent(id)}`).then((t) => {
    replace(
      element,
      pageHeader(t.title),
      facts([
        ['Number', t.number !== undefined ? `#${t.number}` : ''],
        ['Status', badge(t.status)],
        ['Priority', t.priority],
        ['Requester', person(t.requester)],
        ['Watchers', people(t.watchers)],
        ['Template', t.templateId],
        ['Channel', t.channelId ? link(t.channelId, href('channels', t.channelId)) : ''],
        ['Created', when(t.createdAt)],
        ['Original mail', t.originalHref ? downloadButton(t.originalHref, `ticket-${t.number ?? t.id}.eml`, 'Download .eml') : ''],
      ]),
      h('h2', null, 'Fields'),
      fieldsList(t.fields),
      h('h2', null, 'Description'),
      body(t.description.html, t.description.text, `Description of ticket ${t.number ?? t.id} (HTML, sandboxed)`),
      attachments(t.attachments as Attachment[], 'Attachments of the ticket'),
      h('h2', null, `Notes (${t.notes.length})`),
      ...t.notes.map((n, i) => h('article', { class: 'note', 'aria-label': `Note ${i + 1}` },
        h('h3', null, `${n.direction === 'outbound' ? 'Reply by' : 'From'} ${person(n.author)} — ${when(n.createdAt)}`),
        n.outbox ? h('p', { class: 'hint' }, 'Mail: ', badge(n.outbox.state === 'sent' ? 'created' : n.outbox.state === 'failed' || n.outbox.state === 'missing' ? 'failed' : 'left', n.outbox.state),
          n.outbox.sentAt ? ` ${when(n.outbox.sentAt)}` : '', n.outbox.failure ? ` — ${n.outbox.failure.code}: ${n.outbox.failure.reason}` : '') : null,
        n.originalHref ? h('p', null, downloadButton(n.originalHref, `note-${n.id}.eml`, 'Download the original mail (.eml)')) : null,
        body(n.html, n.text, `Note ${i + 1} (HTML, sandboxed)`),
        attachments(n.attachments as Attachment[], `Attachments of note ${i + 1}`))),
    );
  }).catch((err: unknown) => replace(element, errorBar(err)));
  return { element };
}

function body(html: string | undefined, text: string, title: string): HTMLElement {
  return html ? mailHtmlFrame(html, title) : h('pre', { class: 'mail-text' }, text);
}

function attachments(list: Attachment[], caption: string): HTMLElement | null {
  if (list.length === 0) return null;
  return table(caption, ['File', 'Type', 'Size', ''], list.map((a) => [
    a.filename,
    a.contentType,
    `${a.size} bytes`,
    a.href ? downloadButton(a.href, a.filename, 'Download') : `blocked: ${a.blocked ?? ''}`,
  ]));
}

export function downloadButton(url: string, filename: string, label: string): HTMLElement {
  return h('fluent-button', { role: 'button', appearance: 'subtle', onclick: () => void download(url, filename) }, label);
}

/** Downloads with the admin key (a plain link would not carry it). */
async function download(url: string, filename: string): Promise<void> {
  const key = adminKey.get();
  const res = await fetch(url, { headers: key ? { 'x-functions-key': key } : {}, credentials: 'same-origin' });
  if (!res.ok) return;
  const blobUrl = URL.createObjectURL(await res.blob());
  const a = h('a', { href: blobUrl, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(blobUrl), 10_000);
}
