import '@fluentui/web-components/badge.js';
import '@fluentui/web-components/button.js';
import '@fluentui/web-components/dialog.js';
import '@fluentui/web-components/dialog-body.js';
import '@fluentui/web-components/message-bar.js';
import '@fluentui/web-components/spinner.js';
import '@fluentui/web-components/tab.js';
import '@fluentui/web-components/tablist.js';
import { setTheme } from '@fluentui/web-components/theme/set-theme.js';
import { webLightTheme } from '@fluentui/tokens';
import { ApiError, adminKey, get } from './api';
import { h, replace } from './dom';
import { parseRoute, type Route } from './router';
import { button, errorBar, messageBar, type View } from './views/common';
import { channelsListView } from './views/channels-list';
import { channelEditorView } from './views/channel-editor';
import { dryRunView } from './views/dry-run';
import { signInView } from './views/sign-in';
import { messageView, monitoringView } from './views/monitoring';
import { ticketView, ticketsView } from './views/tickets';
import { demoInboxView, demoMessageView, revealDemoNav } from './views/demo-inbox';

/**
 * The admin page: a shell (header, navigation, main region) and hash-routed views over the
 * admin API. Signs in with the admin key (locally) unless the API already knows the caller
 * (App Service Authentication in Azure).
 */
setTheme(webLightTheme);

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
let current: View | undefined;
let currentHash = location.hash;

function viewOf(route: Route): View {
  switch (route.view) {
    case 'channels': return channelsListView();
    case 'newChannel': return channelEditorView(undefined);
    case 'channel': return channelEditorView(route.id, route.tab);
    case 'dryRun': return dryRunView(route.id);
    case 'signIn': return signInView(route.id);
    case 'messages': return monitoringView(route.id);
    case 'message': return messageView(route.id, route.key);
    case 'demo': return demoInboxView(route.address);
    case 'demoMessage': return demoMessageView(route.address, route.id);
    case 'tickets': return ticketsView();
    case 'ticket': return ticketView(route.id);
    case 'notFound': return { element: h('section', null, h('h1', { id: 'page-title', tabindex: '-1' }, 'Not found'), messageBar('warning', `There is no page "${route.path}".`)) };
  }
}

function show(): void {
  if (current?.canLeave && location.hash !== currentHash && !current.canLeave()) {
    history.replaceState(null, '', currentHash || '#/');
    return;
  }
  currentHash = location.hash;
  const route = parseRoute(location.hash);
  current = viewOf(route);
  replace(main, current.element);
  for (const a of nav.querySelectorAll('a')) {
    const section = a.getAttribute('data-section');
    const active = section === (route.view === 'tickets' || route.view === 'ticket' ? 'tickets' : route.view === 'demo' || route.view === 'demoMessage' ? 'demo' : 'channels');
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Moves focus to the new page's heading, so keyboard and screen-reader users start there.
  (main.querySelector('#page-title') as HTMLElement | null)?.focus();
}

function signIn(reason?: string): void {
  const input = h('input', { id: 'admin-key', type: 'password', autocomplete: 'off', 'aria-describedby': 'admin-key-hint' });
  const status = h('div', { 'aria-live': 'polite' }, reason ? messageBar('error', reason) : null);
  const submit = async () => {
    adminKey.set(input.value.trim());
    try {
      await get('channels');
      start();
    } catch (err) {
      adminKey.clear();
      replace(status, err instanceof ApiError && err.status === 401 ? messageBar('error', 'That key is not valid.') : errorBar(err));
    }
  };
  replace(main, h('section', { class: 'sign-in', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: '-1' }, 'Sign in'),
    h('form', { novalidate: true, onsubmit: (e: Event) => { e.preventDefault(); void submit(); } },
      h('div', { class: 'field' },
        h('label', { for: 'admin-key', class: 'label' }, 'Admin key'),
        input,
        h('div', { class: 'hint', id: 'admin-key-hint' }, 'ADMIN_API_KEY from local.settings.json (npm start prints it). Kept for this browser tab only.')),
      h('div', { class: 'form-actions' }, h('fluent-button', { role: 'button', appearance: 'primary', type: 'submit', id: 'sign-in' }, 'Sign in'))),
    status,
    // In Azure, App Service Authentication signs admins in with Entra ID (app role MailChannel.Admin); the cookie then carries every API call.
    h('p', { class: 'hint' }, 'In Azure: ', h('a', { class: 'link', href: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(location.pathname)}` }, 'sign in with your organisation account'), ' (app role MailChannel.Admin) instead of a key.')));
  input.focus();
}

let started = false;
function start(): void {
  if (!started) {
    started = true;
    window.addEventListener('hashchange', show);
    window.addEventListener('beforeunload', (e) => {
      if (current?.canLeave && !current.canLeave()) e.preventDefault();
    });
  }
  void revealDemoNav(document.getElementById('nav-demo'));
  replace(document.getElementById('session') as HTMLElement, adminKey.get() ? button('Forget key', () => { adminKey.clear(); location.reload(); }, { appearance: 'subtle', id: 'sign-out' }) : null);
  show();
}

async function boot(): Promise<void> {
  try {
    await get('channels');
    start();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) signIn(adminKey.get() ? 'The saved key is no longer valid.' : undefined);
    else replace(main, errorBar(err));
  }
}

void boot();
