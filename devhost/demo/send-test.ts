import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { DEFAULT_SMTP_PORT } from './smtp-intake';
import { DEMO_DOMAIN } from './recipient';

/**
 * A sample mail to the demo SMTP intake, as any mail client would send it: what
 * `npx mail-channel send-test` and the demo web endpoint's "send a test mail" do.
 */
export const DEMO_CHANNEL_ADDRESS = `helpdesk@${DEMO_DOMAIN}`;

export const TestMailSpec = z.object({
  to: z.email().default(DEMO_CHANNEL_ADDRESS),
  from: z.email().default('alice@example.org'),
  subject: z.string().trim().min(1).max(500).default('My laptop does not start'),
  body: z.string().max(100_000).optional(),
  port: z.number().int().min(1).max(65535).default(DEFAULT_SMTP_PORT),
});
export type TestMailSpec = z.input<typeof TestMailSpec>;

const defaultBody = (subject: string) =>
  `Hello,\n\n${subject}. It worked yesterday; this morning the screen stays black.\n\nThanks,\nAlice\n`;

/** Sends over SMTP to 127.0.0.1; resolves with the Message-ID the server accepted. */
export async function sendTestMail(spec: TestMailSpec = {}): Promise<{ messageId: string; response: string }> {
  const s = TestMailSpec.parse(spec);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: s.port, secure: false, ignoreTLS: true, connectionTimeout: 10_000 });
  try {
    const info = await transport.sendMail({ from: s.from, to: s.to, subject: s.subject, text: s.body ?? defaultBody(s.subject) });
    return { messageId: info.messageId, response: info.response };
  } finally {
    transport.close();
  }
}

export const sendTestUsage = `usage: mail-channel send-test [--to ADDRESS] [--from ADDRESS] [--subject TEXT] [--body TEXT] [--port N]

  Sends a sample mail to the demo SMTP intake of \`npm start\` (127.0.0.1, port ${DEFAULT_SMTP_PORT}).
  --to        recipient, an address @${DEMO_DOMAIN} (default ${DEMO_CHANNEL_ADDRESS}, the demo channel)
  --from      sender (default alice@example.org); the channel's answer lands in this demo inbox
  --subject   subject (default "My laptop does not start")
  --body      plain-text body
  --port      the intake's port (default ${DEFAULT_SMTP_PORT})
`;

/** The CLI command; exit code 0 sent, 1 refused or unreachable, 2 bad usage. */
export async function runSendTest(argv: readonly string[], io: { stdout: Writable; stderr: Writable }): Promise<number> {
  let spec: TestMailSpec;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        to: { type: 'string' },
        from: { type: 'string' },
        subject: { type: 'string' },
        body: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout.write(sendTestUsage);
      return 0;
    }
    const { help: _help, port, ...rest } = values;
    spec = TestMailSpec.parse({ ...rest, ...(port === undefined ? {} : { port: Number(port) }) });
  } catch (err) {
    const message = err instanceof z.ZodError ? err.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n') : (err as Error).message;
    io.stderr.write(`${message}\n${sendTestUsage}`);
    return 2;
  }
  try {
    const sent = await sendTestMail(spec);
    io.stdout.write(`sent ${sent.messageId} to ${spec.to ?? DEMO_CHANNEL_ADDRESS}: ${sent.response}\n`);
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string; responseCode?: number };
    const hint = e.code === 'ESOCKET' || e.code === 'ECONNECTION' ? ' (is `npm start` running with the demo on?)' : '';
    io.stderr.write(`not sent: ${e.message}${hint}\n`);
    return 1;
  }
}
