/**
 * The demo inboxes' messages as the demo web endpoint answers them (devhost/demo/demo-web.ts):
 * the wire contract the admin page reads. Kept free of imports so the page's type check
 * does not pull in the simulator; demo-web.ts builds them from the simulator's messages,
 * so the compiler checks the two agree.
 */
export interface DemoMessage {
  id: string;
  internetMessageId: string | null;
  subject: string | null;
  from: string | null;
  to: string[];
  bodyPreview: string;
  receivedDateTime: string;
  isRead: boolean;
  folder: string;
}

/** One message with its body: the text, and the HTML as the pipeline sanitizes it (the admin page shows it in its sandboxed mail frame). */
export type DemoMessageDetail = DemoMessage & { text: string; html?: string };
