import { randomUUID } from 'node:crypto';
import { startAzurite } from '../../../devhost/emulators';
import { ticketMailDeps, type TicketMailDeps } from '../../../shared/admin/ticket-mail';
import { ChannelRecord } from '../../../shared/config/channel';
import { resetSettingsCache } from '../../../shared/config/settings';
import { MailOutboundMessage, QueueNames } from '../../../shared/queue/contracts';
import { queueService, resetQueueClients } from '../../../shared/queue/send';
import { resetBlobClients } from '../../../shared/store/blobs';
import { createChannelRecord } from '../../../shared/store/channel-repository';
import { createTicket } from '../../../shared/tickets/tickets';
import { useEmulatorEnv } from '../store/emulator-env';

/**
 * The ticket mail routes' world on real parts, in this process: the Cosmos emulator (tickets,
 * notes, channels, thread index, outbox), Azurite (the mail-outbound queue, Blob), the local
 * secret store (token key). What a crash test reads back: the queue messages naming a record.
 */
export interface TicketMailWorld {
  /** A channel record (IMAP, never sent from here: no send job runs) and a ticket of it made from a customer's mail. */
  ticket(over?: { requester?: string }): Promise<{ ticketId: string; channelId: string }>;
  /** Queue messages waiting in mail-outbound for this outbox record. */
  queued(outboxId: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startTicketMailWorld(): Promise<TicketMailWorld> {
  const [env, azurite] = await Promise.all([useEmulatorEnv(), startAzurite()]);
  process.env.AzureWebJobsStorage = azurite.connectionString;
  resetSettingsCache();
  resetQueueClients();
  resetBlobClients();
  const now = new Date().toISOString();
  return {
    async ticket(over = {}) {
      const channelId = `ch-${randomUUID()}`;
      await createChannelRecord(
        ChannelRecord.parse({
          id: channelId,
          status: 'published',
          name: 'Service desk',
          connection: { protocol: 'imap', host: 'imap.desk.example', username: 'support@desk.example', replyTo: 'help@desk.example', auth: { type: 'password', password: { ref: 'pw', updatedAt: now } } },
          ticketMapping: { templateId: 'it-support' },
          createdAt: now,
          createdBy: 'test',
          updatedAt: now,
          updatedBy: 'test',
        }),
      );
      const ticketId = `T-${randomUUID()}`;
      await createTicket({
        id: ticketId,
        templateId: 'it-support',
        channelId,
        title: 'Printer on floor 3',
        description: { text: 'It jams.' },
        requester: { email: over.requester ?? 'jane@example.org', name: 'Jane' },
        source: { channelId, ledgerKey: `lk-${ticketId}`, messageId: '<printer-3@client.example.org>' },
      });
      return { ticketId, channelId };
    },
    async queued(outboxId) {
      const q = queueService().getQueueClient(QueueNames.mailOutbound);
      if (!(await q.exists())) return 0;
      const { peekedMessageItems } = await q.peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems.filter((m) => MailOutboundMessage.parse(JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8'))).outboxId === outboxId).length;
    },
    async stop() {
      await Promise.all([env.stop(), azurite.stop()]);
    },
  };
}

export class InjectedCrash extends Error {
  constructor(at: string) {
    super(`injected crash at ${at}`);
  }
}

/** The real deps, crashing once at `step` (before it runs). */
export function crashingAt(step: 'createOutbox' | 'updateTicket' | 'addNote' | 'replaceTicket' | 'recordSentMessageId' | 'enqueue'): TicketMailDeps {
  const real = ticketMailDeps();
  const crash = () => {
    throw new InjectedCrash(step);
  };
  if (step === 'recordSentMessageId' || step === 'enqueue') return { ...real, dispatch: { ...real.dispatch, [step]: crash } };
  return { ...real, [step]: crash };
}
