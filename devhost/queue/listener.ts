import { randomUUID } from 'node:crypto';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { Registration, RpcTypedData } from '../core-api';
import { dotNetDate, jsonData } from '../dotnet-json';
import type { QueueOptions } from '../host-json';
import { MIN_POLLING_INTERVAL_MS } from '../host-json';
import type { HostLog } from '../host-log';
import type { Invoker } from '../invoke';
import { RandomizedExponentialBackoff } from './backoff';
import { decodeMessageText } from './message-encoding';

/**
 * A storage-queue trigger, following the Storage queues extension 5.x (QueueListener,
 * QueueProcessor):
 *
 * - polls with randomized exponential backoff (100 ms up to maxPollingInterval); while
 *   messages keep coming it fetches the next batch as soon as no more than
 *   newBatchThreshold are still running;
 * - fetches up to batchSize messages with a 10-minute visibility timeout and renews it
 *   every 5 minutes while the function runs;
 * - a message with dequeueCount > maxDequeueCount, or one that fails to decode, goes
 *   straight to `<queue>-poison`;
 * - success deletes the message; failure with dequeueCount >= maxDequeueCount moves it
 *   to `<queue>-poison` (created when missing) with its original text, otherwise makes
 *   it visible again after `visibilityTimeout`;
 * - a missing queue is not created: the listener backs off and checks again.
 */
export interface QueueListenerOptions {
  registration: Registration;
  bindingName: string;
  queue: QueueClient;
  poisonQueue: QueueClient;
  options: QueueOptions;
  invoker: Invoker;
  log: HostLog;
}

/** The listener's fetch visibility; renewed at half of it while the function runs. */
const FETCH_VISIBILITY_SECONDS = 600;

interface Received {
  messageId: string;
  popReceipt: string;
  messageText: string;
  dequeueCount: number;
  insertedOn: Date;
  expiresOn: Date;
  nextVisibleOn: Date;
}

/** The trigger's input and metadata, as the host sends them to the worker. */
export function queueInvocationData(functionName: string, text: string, m: Received): { data: RpcTypedData; metadata: Record<string, RpcTypedData> } {
  return {
    data: { string: text },
    metadata: {
      QueueTrigger: { string: text },
      DequeueCount: jsonData(m.dequeueCount),
      ExpirationTime: jsonData(dotNetDate(m.expiresOn)),
      Id: { string: m.messageId },
      InsertionTime: jsonData(dotNetDate(m.insertedOn)),
      NextVisibleTime: jsonData(dotNetDate(m.nextVisibleOn)),
      PopReceipt: { string: m.popReceipt },
      sys: jsonData({ MethodName: functionName, UtcNow: dotNetDate(new Date(), 'Z'), RandGuid: randomUUID() }),
    },
  };
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number((err as { statusCode: unknown }).statusCode) : undefined;
}

export class QueueListener {
  private readonly processing = new Set<Promise<void>>();
  private readonly backoff: RandomizedExponentialBackoff;
  private queueExists = false;
  private foundSinceLastDelay = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: QueueListenerOptions) {
    this.backoff = new RandomizedExponentialBackoff(MIN_POLLING_INTERVAL_MS, o.options.maxPollingIntervalMs);
  }

  get queueName(): string {
    return this.o.queue.name;
  }

  get registration(): Registration {
    return this.o.registration;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops polling and waits for running invocations to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await Promise.all([...this.processing]);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delayMs: number | undefined;
      try {
        delayMs = await this.pollOnce();
      } catch (err) {
        this.o.log.warn(`Queue listener '${this.queueName}' (${this.o.registration.metadata.name}): ${err instanceof Error ? err.message : String(err)}`);
        this.queueExists = false;
        delayMs = this.nextDelay();
      }
      if (delayMs !== undefined) await this.sleep(delayMs);
    }
  }

  private nextDelay(): number {
    const d = this.backoff.next(this.foundSinceLastDelay);
    this.foundSinceLastDelay = false;
    return d;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }

  /** One poll; returns the delay before the next, or undefined to poll again at once. */
  private async pollOnce(): Promise<number | undefined> {
    if (!this.queueExists) {
      this.queueExists = await this.o.queue.exists();
      if (!this.queueExists) return this.nextDelay();
    }
    const { receivedMessageItems } = await this.o.queue.receiveMessages({
      numberOfMessages: this.o.options.batchSize,
      visibilityTimeout: FETCH_VISIBILITY_SECONDS,
    });
    if (receivedMessageItems.length === 0) return this.nextDelay();
    for (const m of receivedMessageItems) {
      const task = this.process(m).catch((err: unknown) => {
        this.o.log.error(`Queue '${this.queueName}': message ${m.messageId} could not be completed: ${err instanceof Error ? err.message : String(err)}`);
      });
      this.processing.add(task);
      void task.finally(() => this.processing.delete(task));
    }
    this.foundSinceLastDelay = true;
    // Fetch the next batch once no more than newBatchThreshold messages are still running.
    while (this.processing.size > this.o.options.newBatchThreshold && !this.stopped) {
      await Promise.race([...this.processing]);
    }
    return undefined;
  }

  private async process(item: DequeuedMessageItem): Promise<void> {
    const m: Received = { ...item };
    const { maxDequeueCount, messageEncoding, visibilityTimeoutMs } = this.o.options;
    if (m.dequeueCount > maxDequeueCount) {
      await this.moveToPoison(m);
      return;
    }
    const text = decodeMessageText(m.messageText, messageEncoding);
    if (text === undefined) {
      this.o.log.warn(`Message decoding has failed! Check MessageEncoding settings. MessageId=${m.messageId}.`);
      await this.moveToPoison(m);
      return;
    }

    const renew = setInterval(() => {
      this.o.queue.updateMessage(m.messageId, m.popReceipt, undefined, FETCH_VISIBILITY_SECONDS)
        .then((r) => { if (r.popReceipt) m.popReceipt = r.popReceipt; if (r.nextVisibleOn) m.nextVisibleOn = r.nextVisibleOn; })
        .catch((err: unknown) => this.o.log.warn(`Queue '${this.queueName}': could not renew message ${m.messageId}: ${String(err)}`));
    }, (FETCH_VISIBILITY_SECONDS * 1000) / 2);
    let ok: boolean;
    try {
      const { data, metadata } = queueInvocationData(this.o.registration.metadata.name, text, m);
      const outcome = await this.o.invoker.invoke({
        registration: this.o.registration,
        inputData: [{ name: this.o.bindingName, data }],
        triggerMetadata: metadata,
        reason: `New queue message detected on '${this.queueName}'.`,
      });
      ok = outcome.error === undefined;
    } finally {
      clearInterval(renew);
    }

    if (ok) {
      await this.deleteMessage(m);
    } else if (m.dequeueCount >= maxDequeueCount) {
      await this.moveToPoison(m);
    } else {
      await this.release(m, Math.floor(visibilityTimeoutMs / 1000));
    }
  }

  private async deleteMessage(m: Received): Promise<void> {
    try {
      await this.o.queue.deleteMessage(m.messageId, m.popReceipt);
    } catch (err) {
      // 400 pop receipt mismatch (someone else took it) or 404 (gone): nothing to do, as in Azure.
      const s = statusOf(err);
      if (s !== 400 && s !== 404 && s !== 409) throw err;
    }
  }

  private async release(m: Received, visibilitySeconds: number): Promise<void> {
    try {
      await this.o.queue.updateMessage(m.messageId, m.popReceipt, undefined, visibilitySeconds);
    } catch (err) {
      const s = statusOf(err);
      if (s !== 400 && s !== 404 && s !== 409) throw err;
    }
  }

  private async moveToPoison(m: Received): Promise<void> {
    const poison = this.o.poisonQueue;
    this.o.log.warn(`Message has reached MaxDequeueCount of ${this.o.options.maxDequeueCount}. Moving message to queue '${poison.name}'.`);
    // The original text, untouched (the host re-encodes the decoded body, which gives the same text).
    try {
      await poison.sendMessage(m.messageText);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      await poison.createIfNotExists();
      await poison.sendMessage(m.messageText);
    }
    await this.deleteMessage(m);
  }
}
