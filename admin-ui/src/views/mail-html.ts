import { h } from '../dom';
import { mailFrameDocument } from '../mail-frame';

/** A sandboxed frame for a mail's HTML body (see mail-frame.ts). */
export function mailHtmlFrame(html: string, title: string): HTMLIFrameElement {
  const frame = h('iframe', { class: 'mail-frame', title, sandbox: '', referrerpolicy: 'no-referrer' });
  frame.srcdoc = mailFrameDocument(html);
  return frame;
}
