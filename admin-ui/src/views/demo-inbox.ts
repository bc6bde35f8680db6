import { ApiError, call, get } from '../api';
import type { DemoMessage, DemoMessageDetail } from '../../../devhost/demo/demo-message';
import { h, replace } from '../dom';
import { href } from '../router';
import { button, errorBar, facts, link, loading, messageBar, pageHeader, table, when, type View } from './common';
import { mailHtmlFrame } from './mail-html';
import { downloadButton } from './tickets';

/**
 * The demo mailbox of `npm start` (local only): any recipient's demo inbox — the channel's
 * acknowledgements and agent replies land in the sender's — and "Send a test mail" through
 * the demo SMTP intake. The local host serves the demo on this origin under /demo (the
 * page's CSP allows no other), with the admin key; subjects and addresses are shown as
 * text, a body in the sandboxed mail frame.
 */
interface DemoInfo {
  address: string;
  smtp: { host: string; port: number };
  mailboxes: string[];
}

/** The demo, relative to /api/ (the API base): the host's /demo. */
const demoPath = (...parts: string[]) => ['../demo', ...parts.map(encodeURIComponent)].join('/');
const DEFAULT_SENDER = 'alice@example.org';

/** The demo's description, or undefined when this host runs no demo (404: Azure, or `npm start -- --no-demo`). */
export async function demoInfo(): Promise<DemoInfo | undefined> {
  try {
    return await get<DemoInfo>(demoPath());
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Shows the navigation's "Demo inbox" entry when the demo answers. */
export async function revealDemoNav(item: HTMLElement | null): Promise<void> {
  if (!item) return;
  item.hidden = !(await demoInfo().catch(() => undefined));
}

function sendForm(onSent: (from: string) => void): HTMLElement {
  const from = h('input', { id: 'demo-from', type: 'text', value: DEFAULT_SENDER, autocomplete: 'off' });
  const subject = h('input', { id: 'demo-subject', type: 'text', value: 'My laptop does not start', autocomplete: 'off' });
  const status = h('div', { 'aria-live': 'polite' });
  const send = async () => {
    replace(status, loading('Sending'));
    try {
      const res = await call<{ messageId: string; to: string }>('POST', demoPath('send-test'), { json: { from: from.value.trim(), subject: subject.value } });
      replace(status, messageBar('success', `Sent to ${res.data.to}. The channel makes a ticket of it; its acknowledgement arrives in ${from.value.trim()}'s inbox below within seconds.`));
      onSent(from.value.trim());
    } catch (err) {
      replace(status, errorBar(err));
    }
  };
  return h('form', { class: 'demo-send', novalidate: true, onsubmit: (e: Event) => { e.preventDefault(); void send(); } },
    h('h2', null, 'Send a test mail'),
    h('div', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'demo-from', class: 'label' }, 'From'), from),
      h('div', { class: 'field' }, h('label', { for: 'demo-subject', class: 'label' }, 'Subject'), subject)),
    h('div', { class: 'form-actions' }, h('fluent-button', { role: 'button', appearance: 'primary', type: 'submit', id: 'send-test-mail' }, 'Send a test mail')),
    status);
}

/** #/demo[/{address}]: a recipient's demo inbox (every folder), newest first, and the test-mail form. */
export function demoInboxView(address?: string): View {
  const body = h('div', null, loading('Looking for the demo mailbox'));
  const list = h('div', { id: 'demo-messages' });
  let shown = address?.toLowerCase();
  let polls = 0;
  let lastSeen = '';
  const loadList = async (): Promise<void> => {
    if (!shown) return;
    try {
      const { items } = await get<{ items: DemoMessage[] }>(demoPath('mailboxes', shown, 'messages'));
      // Unchanged since the last look: keep the table (and the keyboard focus in it).
      const seen = `${shown}\n${items.map((m) => m.id).join('\n')}`;
      if (seen === lastSeen && list.firstChild) return;
      lastSeen = seen;
      replace(list, items.length === 0 ? h('p', null, 'No mail in this inbox yet.') : table(`Mails of ${shown}`, ['Received', 'From', 'Subject', 'Folder'], items.map((m) => [
        when(m.receivedDateTime),
        m.from ?? '—',
        link(m.subject || '(no subject)', href('demo', shown ?? '', m.id)),
        m.folder,
      ])));
    } catch (err) {
      // A recipient's mailbox exists once its first mail arrived.
      lastSeen = '';
      replace(list, err instanceof ApiError && err.status === 404 ? h('p', null, 'No mail in this inbox yet.') : errorBar(err));
    }
  };
  // After a test mail, look again every 2 s for half a minute: the acknowledgement takes a few seconds.
  const watch = () => {
    polls = 15;
    const tick = () => {
      if (polls-- <= 0 || !list.isConnected) return;
      void loadList().then(() => setTimeout(tick, 2000));
    };
    setTimeout(tick, 1000);
  };
  const load = async () => {
    try {
      const info = await demoInfo();
      if (!info) {
        replace(body, messageBar('info', 'This host runs no demo mailbox (in Azure never; locally `npm start` runs it unless --no-demo).'));
        return;
      }
      shown ??= info.mailboxes.includes(DEFAULT_SENDER) ? DEFAULT_SENDER : info.mailboxes.find((m) => m !== info.address) ?? info.address;
      const picker = h('select', { id: 'demo-mailbox' }, ...[...new Set([...info.mailboxes, shown])].sort().map((m) => h('option', { value: m, selected: m === shown }, m)));
      picker.addEventListener('change', () => (location.hash = href('demo', picker.value)));
      replace(body,
        h('p', { class: 'lead' }, `The demo channel reads ${info.address}. Mail to any address @demo.test goes through the SMTP intake at ${info.smtp.host}:${info.smtp.port} (no TLS, no login); the channel's answers land in the sender's inbox here.`),
        sendForm((from) => {
          // Show the sender's inbox, where the answer will land (without rebuilding the view, which would lose the form's message).
          shown = from.toLowerCase();
          if (![...picker.options].some((o) => o.value === shown)) picker.append(h('option', { value: shown }, shown));
          picker.value = shown;
          history.replaceState(null, '', href('demo', shown));
          watch();
        }),
        h('h2', null, 'Inbox'),
        h('div', { class: 'filters' }, h('div', { class: 'field' }, h('label', { for: 'demo-mailbox', class: 'label' }, 'Mailbox'), picker)),
        list);
      await loadList();
    } catch (err) {
      replace(body, errorBar(err));
    }
  };
  void load();
  const element = h('section', { 'aria-labelledby': 'page-title' },
    pageHeader('Demo inbox', button('Refresh', () => void loadList(), { appearance: 'outline', id: 'refresh-demo' })),
    body);
  return { element };
}

/** #/demo/{address}/{id}: one demo mail, its headers as text and its body in the sandboxed frame. */
export function demoMessageView(address: string, id: string): View {
  const element = h('section', { 'aria-labelledby': 'page-title' }, loading('Loading the mail'));
  void (async () => {
    try {
      const m = await get<DemoMessageDetail>(demoPath('mailboxes', address, 'messages', id));
      replace(element,
        pageHeader(m.subject || '(no subject)', button('Back to the inbox', () => (location.hash = href('demo', address)), { appearance: 'subtle' })),
        facts([
          ['From', m.from ?? ''],
          ['To', m.to.join(', ')],
          ['Received', when(m.receivedDateTime)],
          ['Folder', m.folder],
          ['Message-ID', m.internetMessageId ?? ''],
          ['Original mail', downloadButton(new URL(demoPath('mailboxes', address, 'messages', id, 'raw'), new URL('../', document.baseURI)).pathname, 'message.eml', 'Download .eml')],
        ]),
        h('h2', null, 'Body'),
        m.html ? mailHtmlFrame(m.html, `Body of "${m.subject ?? ''}"`) : h('pre', { class: 'mail-text' }, m.text));
    } catch (err) {
      replace(element, errorBar(err));
    }
  })();
  return { element };
}
