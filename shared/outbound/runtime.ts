import { MailOutboundMessage, QueueNames } from '../queue/contracts';
import { sendQueueMessage } from '../queue/send';
import { getAttachment } from '../store/blobs';
import { readChannelCached } from '../store/channel-repository';
import { createOutbox, listStaleOutbox, readOutbox, replaceOutbox } from '../store/outbox';
import type { SweepDeps } from './sweep';
import { lookupMessageIds, recordMessageId } from '../store/thread-index';
import type { DispatchDeps } from './dispatch';
import { openMailSender } from './open-sender';
import { sendFaultHookFromEnv } from './send-faults';
import type { SendJobDeps } from './send-job';

/** The real I/O behind the send job and the outbox's enqueue: Cosmos, Blob, the queue, the channel's sender. */
type Log = (message: string, props?: Record<string, unknown>) => void;

const fault = sendFaultHookFromEnv();

export function sendJobDeps(log: Log): SendJobDeps {
  return {
    // cached per instance as the pipeline's (channel-repository.ts CHANNEL_CACHE_TTL_MS says why that is safe)
    loadChannel: async (id) => (await readChannelCached(id))?.record,
    readOutbox,
    replaceOutbox,
    openSender: (channel) => openMailSender(channel),
    getAttachment,
    now: () => new Date(),
    ...(fault ? { fault } : {}),
    log,
  };
}

export function dispatchDeps(): DispatchDeps {
  return {
    recordSentMessageId: async (channelId, messageId, ticketId, outboxId) => {
      await recordMessageId(channelId, messageId, ticketId, 'sent', new Date(), outboxId);
    },
    createOutbox,
    enqueue: (message) => sendQueueMessage(QueueNames.mailOutbound, MailOutboundMessage, message),
    now: () => new Date(),
  };
}

export function sweepDeps(): SweepDeps {
  return {
    listStale: listStaleOutbox,
    dispatched: async (r) => (await lookupMessageIds(r.channelId, [r.messageId])).some((e) => e.kind === 'sent' && e.outboxId === r.id),
    enqueue: (message) => sendQueueMessage(QueueNames.mailOutbound, MailOutboundMessage, message),
    replaceOutbox,
    now: () => new Date(),
  };
}
