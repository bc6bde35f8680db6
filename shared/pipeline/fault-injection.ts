import { z } from 'zod';

/**
 * Test-only fault injection, for proving crash safety through the real host: the
 * setting `MAILCHANNEL_TEST_FAULTS` (JSON) names points in processMail where an attempt
 * fails, for mail whose subject contains `match`, `times` times per process. With
 * `stallMs` the attempt first stalls that long, holding its queue message as a worker that
 * died does until the queue gives the message back.
 * Unset (always, outside tests) it does nothing. Refused in Azure (WEBSITE_SITE_NAME set).
 */
export const FaultPoint = z.enum(['before-decide', 'before-move']);
export type FaultPoint = z.infer<typeof FaultPoint>;

const FaultSpec = z.array(z.object({ point: FaultPoint, match: z.string().min(1), times: z.number().int().min(1), stallMs: z.number().int().min(1).max(120_000).optional() }));

export class InjectedFault extends Error {
  readonly code = 'INJECTED_FAULT';
}

export type FaultHook = (point: FaultPoint, subject: string | undefined) => Promise<void>;

export function faultHookFromEnv(env: NodeJS.ProcessEnv = process.env): FaultHook | undefined {
  const raw = env.MAILCHANNEL_TEST_FAULTS;
  if (!raw) return undefined;
  if (env.WEBSITE_SITE_NAME) throw new Error('MAILCHANNEL_TEST_FAULTS is for tests and must not be set in Azure');
  const specs = FaultSpec.parse(JSON.parse(raw)).map((s) => ({ ...s, left: s.times }));
  return async (point, subject) => {
    const hit = specs.find((s) => s.point === point && s.left > 0 && subject?.includes(s.match));
    if (!hit) return;
    hit.left--;
    if (hit.stallMs) await new Promise((r) => setTimeout(r, hit.stallMs));
    throw new InjectedFault(`injected fault at ${point} (${hit.times - hit.left}/${hit.times})`);
  };
}
