import { z } from 'zod';
import type { Registration } from './core-api';

/**
 * The trigger bindings this host runs, as `@azure/functions` registers them
 * (src/trigger.ts): each function has exactly one binding whose type ends in "Trigger".
 */
const AuthLevelSchema = z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['anonymous', 'function', 'admin']));

export const HttpTriggerSchema = z.looseObject({
  type: z.string().regex(/^httpTrigger$/i),
  route: z.string().optional(),
  methods: z.array(z.string().min(1)).optional(),
  authLevel: AuthLevelSchema.optional(),
});
export type HttpTriggerBinding = z.infer<typeof HttpTriggerSchema>;

export const TimerTriggerSchema = z.looseObject({
  type: z.string().regex(/^timerTrigger$/i),
  schedule: z.string().min(1),
  runOnStartup: z.boolean().optional(),
  useMonitor: z.boolean().optional(),
});
export type TimerTriggerBinding = z.infer<typeof TimerTriggerSchema>;

export const QueueTriggerSchema = z.looseObject({
  type: z.string().regex(/^queueTrigger$/i),
  queueName: z.string().min(1),
  connection: z.string().optional(),
});
export type QueueTriggerBinding = z.infer<typeof QueueTriggerSchema>;

export type TriggerKind = 'http' | 'timer' | 'queue' | 'other';

export interface TriggerInfo {
  /** The binding's name: the key of its input data in an invocation. */
  bindingName: string;
  type: string;
  kind: TriggerKind;
  binding: Record<string, unknown>;
}

export function triggerOf(reg: Registration): TriggerInfo {
  const entries = Object.entries(reg.metadata.bindings).filter(([, b]) => /trigger$/i.test(b.type));
  if (entries.length !== 1) throw new Error(`Function '${reg.metadata.name}' must have exactly one trigger binding (found ${entries.length})`);
  const [bindingName, binding] = entries[0] as [string, Record<string, unknown> & { type: string }];
  const t = binding.type.toLowerCase();
  const kind: TriggerKind = t === 'httptrigger' ? 'http' : t === 'timertrigger' ? 'timer' : t === 'queuetrigger' ? 'queue' : 'other';
  return { bindingName, type: binding.type, kind, binding };
}

/** Parses a binding with its schema, naming the function and field on error. */
export function parseBinding<T extends z.ZodType>(schema: T, reg: Registration, binding: unknown): z.infer<T> {
  const r = schema.safeParse(binding);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(binding)'}: ${i.message}`).join('; ');
    throw new Error(`Function '${reg.metadata.name}': invalid trigger binding: ${msg}`);
  }
  return r.data;
}

/**
 * Resolves `%Setting%` binding expressions from app settings, as the host does for
 * queue names, schedules and connections.
 */
export function resolveAppSettings(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`Unable to resolve app setting for property '${name}'`);
    return v;
  });
}
