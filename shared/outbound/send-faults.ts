import { z } from 'zod';

/**
 * Test-only fault injection for the send job, in the style of shared/pipeline/fault-injection.ts:
 * the setting `MAILCHANNEL_TEST_SEND_FAULTS` (JSON) names points where an attempt fails, for
 * outbox records whose id contains `match`, `times` times per process. Unset (always, outside
 * tests) it does nothing. Refused in Azure (WEBSITE_SITE_NAME set).
 *
 *   after-claim   the record says `sending`; the provider has not been called
 *   after-accept  the provider accepted the mail; the `sent` write has not happened (the duplicate window)
 *   after-sent    the record says `sent`; the queue message is not yet deleted
 */
export const SendFaultPoint = z.enum(['after-claim', 'after-accept', 'after-sent']);
export type SendFaultPoint = z.infer<typeof SendFaultPoint>;

const SendFaultSpec = z.array(z.object({ point: SendFaultPoint, match: z.string().min(1), times: z.number().int().min(1) }));

export class InjectedSendFault extends Error {
  readonly code = 'INJECTED_FAULT';
}

export type SendFaultHook = (point: SendFaultPoint, outboxId: string) => Promise<void>;

export function sendFaultHook(specs: z.input<typeof SendFaultSpec>): SendFaultHook {
  const left = SendFaultSpec.parse(specs).map((s) => ({ ...s, left: s.times }));
  return async (point, outboxId) => {
    const hit = left.find((s) => s.point === point && s.left > 0 && outboxId.includes(s.match));
    if (!hit) return;
    hit.left--;
    throw new InjectedSendFault(`injected fault at ${point} (${hit.times - hit.left}/${hit.times})`);
  };
}

export function sendFaultHookFromEnv(env: NodeJS.ProcessEnv = process.env): SendFaultHook | undefined {
  const raw = env.MAILCHANNEL_TEST_SEND_FAULTS;
  if (!raw) return undefined;
  if (env.WEBSITE_SITE_NAME) throw new Error('MAILCHANNEL_TEST_SEND_FAULTS is for tests and must not be set in Azure');
  return sendFaultHook(JSON.parse(raw));
}
