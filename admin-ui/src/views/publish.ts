import { call } from '../api';
import type { ChannelView } from '../../../shared/config/channel';
import { h, replace } from '../dom';
import { button, errorBar } from './common';

/**
 * Publish / pause, each after a confirmation that says what it does. Publishing is the
 * moment the channel starts touching the mailbox, so the dialog spells that out.
 */
export function publishControls(view: ChannelView, onDone: () => void): HTMLElement {
  const publishing = view.status !== 'published';
  const what = publishing
    ? [
        `Publishing "${view.name}" makes it live:`,
        h('ul', null,
          h('li', null, view.offerId ? 'its silent offer (the entry point for its tickets) is used again;' : `a silent offer for template "${view.ticketMapping.templateId}" is created (the entry point for its tickets; it is not shown in the catalogue);`),
          h('li', null, `the folders "${view.folders.success}" and "${view.folders.fail}" are created in the mailbox if missing;`),
          h('li', null, view.connection.protocol === 'graph' ? 'a Microsoft Graph change subscription is set up, so new mail is read within seconds;' : `the mailbox is polled every ${view.connection.pollIntervalSeconds} seconds;`),
          h('li', null, `a first sync starts now: ${view.import.mode === 'since' ? `mail received since ${view.import.since ?? '?'} becomes tickets (never auto-answered)` : 'mail arriving from now on becomes tickets; mail already there is left alone'}; each mail read is moved to the success or fail folder.`),
        ),
        view.publishedAt ? h('p', null, 'The template stays locked, as it has been since the first publish.') : h('p', null, `After the first publish the template ("${view.ticketMapping.templateId}") can no longer be changed.`),
      ]
    : [`Pausing "${view.name}" stops reading its mailbox: new mail stays where it is until the channel is published again. Mail already being processed finishes.`];
  const error = h('div', { 'aria-live': 'polite' });
  const titleId = `confirm-${publishing ? 'publish' : 'pause'}-title`;
  const title = publishing ? 'Publish this channel?' : 'Pause this channel?';
  // aria-label, not aria-labelledby: the component's <dialog> is in its shadow root, where an id reference from here does not reach.
  const dialog = h('fluent-dialog', { type: 'modal', 'aria-label': title, id: `confirm-${publishing ? 'publish' : 'pause'}` }) as HTMLElement & { show(): void; hide(): void };
  const confirmButton = button(publishing ? 'Publish' : 'Pause', () => void act(), { appearance: 'primary', id: `confirm-${publishing ? 'publish' : 'pause'}-button` });
  const act = async () => {
    confirmButton.setAttribute('disabled', '');
    try {
      await call('POST', `channels/${encodeURIComponent(view.id)}/${publishing ? 'publish' : 'pause'}`, { ifMatch: view.etag });
      dialog.hide();
      onDone();
    } catch (err) {
      replace(error, errorBar(err));
      confirmButton.removeAttribute('disabled');
    }
  };
  dialog.append(
    h('fluent-dialog-body', null,
      h('h2', { slot: 'title', id: titleId }, title),
      h('div', null, ...what, error),
      h('span', { slot: 'action' }, button('Cancel', () => dialog.hide())),
      h('span', { slot: 'action' }, confirmButton),
    ),
  );
  return h('span', null, button(publishing ? 'Publish…' : 'Pause…', () => dialog.show(), { appearance: publishing ? 'primary' : 'outline', id: publishing ? 'publish' : 'pause' }), dialog);
}
