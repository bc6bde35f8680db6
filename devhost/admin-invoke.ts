import { randomUUID } from 'node:crypto';
import type { Registration, RpcTypedData } from './core-api';
import type { HostLog } from './host-log';
import type { Invoker } from './invoke';
import { queueInvocationData } from './queue/listener';
import { triggerOf } from './registrations';

/**
 * `POST /admin/functions/{name}`: runs a non-HTTP function with the given input, as the
 * host's admin API does. A timer gets a TimerInfo with no schedule status and
 * `isPastDue: false`; a queue trigger gets `input` as the (already decoded) message
 * with fresh metadata (dequeueCount 0, no pop receipt); other triggers get the text.
 * The invocation runs in the background; the caller gets its id at once.
 */
export function handleAdminInvoke(
  reg: Registration,
  input: string,
  invoker: Invoker,
  timerInput: () => RpcTypedData,
  log: HostLog,
): { invocationId: string; done: Promise<unknown> } | { error: string; status: number } {
  const trigger = triggerOf(reg);
  if (trigger.kind === 'http') return { error: `'${reg.metadata.name}' is HTTP-triggered: call its route instead`, status: 400 };
  let data: RpcTypedData;
  let metadata: Record<string, RpcTypedData> = {};
  if (trigger.kind === 'timer') {
    data = timerInput();
  } else if (trigger.kind === 'queue') {
    const now = new Date();
    const q = queueInvocationData(reg.metadata.name, input, {
      messageId: randomUUID(), popReceipt: '', messageText: input, dequeueCount: 0,
      insertedOn: now, expiresOn: new Date(now.getTime() + 7 * 24 * 3600 * 1000), nextVisibleOn: now,
    });
    data = q.data;
    metadata = q.metadata;
  } else {
    data = { string: input };
  }
  const invocationId = randomUUID();
  const done = invoker.invoke({
    registration: reg,
    inputData: [{ name: trigger.bindingName, data }],
    triggerMetadata: metadata,
    reason: 'This function was programmatically called via the host APIs.',
    id: invocationId,
  }).catch((err: unknown) => log.error(`Admin invocation of '${reg.metadata.name}' failed in the host: ${String(err)}`));
  return { invocationId, done };
}
