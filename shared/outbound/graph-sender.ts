import type { ChannelRecord } from '../config/channel';
import { PermanentError } from '../errors';
import { GraphConnection, type GraphSourceDeps } from '../sources/graph-connection';
import type { MailSender, OutboundMail, SentMail } from './mail-sender';
import { composeMime, validOutboundMail } from './compose';

/**
 * The Graph `MailSender` of a Graph channel: `POST /users/{mailbox}/sendMail` in MIME format
 * (the request body is the base64 of the whole MIME message, `Content-Type: text/plain`), so
 * the headers we set travel as they are — Message-ID, In-Reply-To, References, Auto-Submitted,
 * X-Auto-Response-Suppress, X-MailChannel-Id. The JSON form would drop most of them (Graph
 * accepts only `x-` headers there, and makes its own Message-ID).
 *
 * Goes through the channel's `GraphConnection` (client credentials or managed identity, the
 * address policy, Retry-After and the fresh-token retry); errors are graph-errors.ts's
 * TransientError / PermanentError. Exchange saves the mail to the mailbox's Sent Items.
 */

/** Graph's limit for a sendMail request; a larger mail needs a draft and an upload session. */
export const GRAPH_SENDMAIL_MAX_BYTES = 4 * 1024 * 1024;

export function createGraphSender(channel: ChannelRecord, deps: GraphSourceDeps): MailSender {
  const connection = new GraphConnection(channel, deps);
  return {
    async send(message: OutboundMail): Promise<SentMail> {
      const mail = validOutboundMail(message, 'GRAPH');
      const { raw, messageId } = await composeMime(channel.id, mail);
      const body = raw.toString('base64');
      if (body.length > GRAPH_SENDMAIL_MAX_BYTES) {
        throw new PermanentError('GRAPH_MAIL_TOO_LARGE', `outbound mail is ${body.length} bytes as base64; Graph's sendMail takes at most ${GRAPH_SENDMAIL_MAX_BYTES}`);
      }
      await connection.call('send mail', (client) => client.api(`${connection.userPath}/sendMail`).header('Content-Type', 'text/plain').post(body));
      return { messageId };
    },
  };
}
