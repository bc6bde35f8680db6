import { get } from '../api';
import type { ChannelView } from '../../../shared/config/channel';
import type { SignInStart, SignInStatus } from '../../../shared/admin/sign-in-view';
import { h, replace } from '../dom';
import { href } from '../router';
import { button, errorBar, facts, link, loading, messageBar, pageHeader, when, type View } from './common';

/**
 * A channel's sign-in (authorization-code flow): who it is signed in as, or why it must be
 * signed in (again), with the button that does it. The provider's redirect brings the browser
 * back here (the callback answers 303 to #/channels/{id}/sign-in), so this view is also the
 * "it worked" page; it reads the state from the API, nothing from the URL.
 */
export function signInView(channelId: string): View {
  const body = h('div', null, loading('Loading the sign-in'));
  const element = h('section', { 'aria-labelledby': 'page-title' }, pageHeader('Sign-in'), body);
  void load(channelId, element, body);
  return { element };
}

async function load(channelId: string, element: HTMLElement, body: HTMLElement): Promise<void> {
  const id = encodeURIComponent(channelId);
  try {
    const [channel, status] = await Promise.all([get<ChannelView>(`channels/${id}`), get<SignInStatus>(`oauth/${id}/status`)]);
    const title = element.querySelector('#page-title');
    if (title) title.textContent = `Sign-in of ${channel.name}`;
    replace(
      body,
      stateBar(status),
      facts([
        ['Mailbox', channel.connection.username],
        ['Signed in as', status.account ?? '—'],
        ['Signed in at', when(status.signedInAt)],
        ['Refresh token last rotated', when(status.rotatedAt)],
      ]),
      h('div', { class: 'form-actions' },
        button(status.state === 'notSignedIn' ? 'Sign in' : 'Sign in again', () => void startSignIn(channelId), { appearance: status.state === 'signedIn' ? 'outline' : 'primary', id: 'start-sign-in' }),
        link('Back to the channel', href('channels', channelId)),
      ),
    );
  } catch (err) {
    replace(body, errorBar(err));
  }
}

function stateBar(status: SignInStatus): HTMLElement {
  switch (status.state) {
    case 'signedIn':
      return messageBar('success', `Signed in as ${status.account ?? 'the consenting user'}. The channel reads the mailbox with this user's delegated access.`);
    case 'needsReauthorization':
      return messageBar('warning', h('strong', null, 'Needs signing in again. '), `The provider refused the stored sign-in: ${status.error?.message ?? status.error?.code ?? 'no reason given'}. The channel reads no mail until someone signs in again.`);
    case 'notSignedIn':
      return messageBar('info', 'Not signed in yet. Sign in with the mailbox user (or a user with access to it); the channel reads no mail until then.');
  }
}

/** The provider's sign-in page, reached through the start route (which binds the sign-in to this browser with a cookie). */
export async function startSignIn(channelId: string): Promise<void> {
  const { authorizationUrl } = await get<SignInStart>(`oauth/${encodeURIComponent(channelId)}/start`);
  location.assign(authorizationUrl);
}
