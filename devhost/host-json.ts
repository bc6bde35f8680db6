import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { timeSpanMs } from './timespan';

/**
 * The parts of host.json this host honours, with the Functions host's defaults
 * (Storage queues extension 5.x, HTTP extension, host 4.x).
 */
const TimeSpanText = z.string().min(1);

export const HostJsonSchema = z.looseObject({
  version: z.string().optional(),
  /** Only these functions run (host.json `functions`). */
  functions: z.array(z.string()).optional(),
  extensions: z.looseObject({
    http: z.looseObject({
      routePrefix: z.string().optional(),
    }).optional(),
    queues: z.looseObject({
      maxPollingInterval: TimeSpanText.optional(),
      visibilityTimeout: TimeSpanText.optional(),
      batchSize: z.number().int().min(1).max(32).optional(),
      maxDequeueCount: z.number().int().min(1).optional(),
      newBatchThreshold: z.number().int().min(0).optional(),
      messageEncoding: z.string().regex(/^(base64|none)$/i, 'must be "base64" or "none"').optional(),
    }).optional(),
  }).optional(),
});
export type HostJson = z.infer<typeof HostJsonSchema>;

export interface QueueOptions {
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  batchSize: number;
  maxDequeueCount: number;
  newBatchThreshold: number;
  messageEncoding: 'base64' | 'none';
}

export interface HostConfig {
  routePrefix: string;
  queues: QueueOptions;
  functions?: string[];
}

/** The host's minimum polling interval (QueuePollingIntervals.Minimum). */
export const MIN_POLLING_INTERVAL_MS = 100;

/** Turns host.json (already parsed) into the effective configuration. */
export function hostConfig(json: HostJson): HostConfig {
  const q = json.extensions?.queues ?? {};
  const batchSize = q.batchSize ?? 16;
  const maxPollingIntervalMs = q.maxPollingInterval ? timeSpanMs(q.maxPollingInterval, 'extensions.queues.maxPollingInterval') : 60_000;
  if (maxPollingIntervalMs < MIN_POLLING_INTERVAL_MS) {
    throw new Error(`extensions.queues.maxPollingInterval: must be at least 00:00:00.100 (got "${q.maxPollingInterval}")`);
  }
  const visibilityTimeoutMs = q.visibilityTimeout ? timeSpanMs(q.visibilityTimeout, 'extensions.queues.visibilityTimeout') : 0;
  if (visibilityTimeoutMs < 0) throw new Error('extensions.queues.visibilityTimeout: must not be negative');
  return {
    // An explicit empty string removes the prefix, as in Azure.
    routePrefix: (json.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    queues: {
      maxPollingIntervalMs,
      visibilityTimeoutMs,
      batchSize,
      maxDequeueCount: q.maxDequeueCount ?? 5,
      // Azure's 5.x default is batchSize/2 × vCPUs; a one-vCPU Flex instance gives 8 — we use batchSize/2.
      newBatchThreshold: q.newBatchThreshold ?? Math.floor(batchSize / 2),
      messageEncoding: (q.messageEncoding?.toLowerCase() ?? 'base64') as 'base64' | 'none',
    },
    functions: json.functions,
  };
}

/** Reads `host.json` from the app root (missing file = all defaults); `override` is deep-merged on top. */
export function readHostJson(appRoot: string, override?: unknown): HostJson {
  const file = path.join(appRoot, 'host.json');
  const base: unknown = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const merged = override === undefined ? base : deepMerge(base, override);
  const parsed = HostJsonSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid host.json (${file}):\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}
