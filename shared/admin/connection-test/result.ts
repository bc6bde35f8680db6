import { z } from 'zod';
import { Protocol } from '../../config/channel';
import { redactCredentials, redactText, spellings } from '../../http/redact';

/**
 * What a connection test answers: one entry per stage, in the order a connection goes
 * through them (DNS → TCP → TLS → authentication → mailbox → folders → send), each with
 * pass / fail / skipped, its time, what it saw, and on failure a code and what to do.
 * Pure shaping only: the probes (imap-test.ts, graph-test.ts, smtp-test.ts) do the I/O.
 */

export const StageId = z.enum(['dns', 'tcp', 'tls', 'authentication', 'mailbox', 'folders', 'send']);
export type StageId = z.infer<typeof StageId>;

export const StageStatus = z.enum(['pass', 'fail', 'skipped']);

export const StageFailure = z.object({
  code: z.string().describe('machine-readable, e.g. TCP_REFUSED, TLS_UNTRUSTED, IMAP_AUTH_FAILED, AADSTS7000215'),
  message: z.string().describe("what happened, with the server's own words where it gave any (never a secret)"),
  whatToDo: z.string().describe('the fix, for the admin who runs the test'),
});
export type StageFailure = z.infer<typeof StageFailure>;

/** Which connection a network detail is about. */
export const TargetRole = z.enum(['imap', 'smtp', 'graph', 'token']);

export const AddressCheck = z.object({
  address: z.string(),
  class: z.string().describe('public, private, loopback, link-local, platform, … (shared/net/address-policy.ts)'),
  allowed: z.boolean(),
  reason: z.string().optional(),
});

export const DnsTarget = z.object({ role: TargetRole, host: z.string(), addresses: z.array(AddressCheck) });
export const TcpTarget = z.object({ role: TargetRole, address: z.string(), port: z.number().int(), connected: z.boolean() });

export const Certificate = z.object({
  subject: z.string(),
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  subjectAltNames: z.array(z.string()),
  fingerprint256: z.string(),
});
export type Certificate = z.infer<typeof Certificate>;

export const TlsTarget = z.object({
  role: TargetRole,
  mode: z.enum(['implicit', 'starttls', 'none']).describe('implicit = TLS from the first byte; starttls = upgraded after the greeting'),
  protocol: z.string().optional().describe('negotiated TLS version, e.g. TLSv1.3'),
  certificate: Certificate.optional(),
  trusted: z.boolean().describe('the chain verifies against the trusted roots and the certificate names the host'),
  trustProblem: z.string().optional(),
});

export const Folder = z.object({
  path: z.string(),
  messages: z.number().int().optional(),
  unread: z.number().int().optional(),
  specialUse: z.string().optional(),
});

export const ConfiguredFolder = z.object({
  role: z.enum(['read', 'success', 'fail', 'exclusion']),
  name: z.string().describe('as the channel names it'),
  exists: z.boolean(),
  note: z.string().optional(),
});
export type ConfiguredFolder = z.infer<typeof ConfiguredFolder>;

export const StageDetails = z.object({
  targets: z.array(z.union([DnsTarget, TcpTarget, TlsTarget])).optional(),
  mechanism: z.string().optional().describe('how the test signed in: password (LOGIN/PLAIN), XOAUTH2, client credentials, managed identity'),
  user: z.string().optional(),
  capabilities: z.array(z.string()).optional().describe('IMAP capabilities after login, or SMTP EHLO keywords'),
  mailbox: z.string().optional(),
  folders: z.array(Folder).optional(),
  foldersTruncated: z.boolean().optional(),
  configured: z.array(ConfiguredFolder).optional(),
  server: z.string().optional(),
  steps: z.array(z.object({ step: z.string(), status: StageStatus, ms: z.number().int().min(0) })).optional(),
  verified: z.string().optional().describe('what this stage proved'),
  notVerified: z.string().optional().describe('what it could not prove without side effects (e.g. sending a mail)'),
  skippedBecause: z.string().optional(),
});
export type StageDetails = z.infer<typeof StageDetails>;

export const StageResult = z.object({
  stage: StageId,
  title: z.string(),
  status: StageStatus,
  ms: z.number().int().min(0),
  details: StageDetails,
  failure: StageFailure.optional(),
});
export type StageResult = z.infer<typeof StageResult>;

export const ConnectionTestResult = z.object({
  protocol: Protocol,
  ok: z.boolean().describe('every stage that ran passed'),
  failedStage: StageId.optional(),
  testedAt: z.iso.datetime(),
  ms: z.number().int().min(0),
  stages: z.array(StageResult),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

export const STAGE_TITLES: Record<StageId, string> = {
  dns: 'DNS and address policy',
  tcp: 'TCP connection',
  tls: 'TLS',
  authentication: 'Authentication',
  mailbox: 'Mailbox access',
  folders: 'Folder access',
  send: 'Permission to send',
};

/** What a stage reports: pass or fail (with what it saw so far), or skipped with the reason. */
export type StageOutcome =
  | { status: 'pass'; details: StageDetails }
  | { status: 'fail'; details: StageDetails; failure: StageFailure }
  | { status: 'skipped'; details: StageDetails };

export interface RecordedStage {
  stage: StageId;
  outcome: StageOutcome;
  ms: number;
}

/**
 * The result from the stages that ran, in plan order: the stages after a failure (and any
 * stage not reached) are `skipped` naming the stage that failed.
 */
export function shapeResult(input: {
  protocol: z.infer<typeof Protocol>;
  plan: readonly StageId[];
  recorded: readonly RecordedStage[];
  testedAt: Date;
  totalMs: number;
}): ConnectionTestResult {
  const byStage = new Map(input.recorded.map((r) => [r.stage, r]));
  const failed = input.plan.find((s) => byStage.get(s)?.outcome.status === 'fail');
  let afterFailure = false;
  const stages: StageResult[] = input.plan.map((stage) => {
    const r = afterFailure ? undefined : byStage.get(stage);
    if (!r) {
      const skippedBecause = failed ? `the ${STAGE_TITLES[failed]} stage failed` : 'not reached';
      return { stage, title: STAGE_TITLES[stage], status: 'skipped', ms: 0, details: { skippedBecause } };
    }
    if (r.outcome.status === 'fail') afterFailure = true;
    return {
      stage,
      title: STAGE_TITLES[stage],
      status: r.outcome.status,
      ms: Math.max(0, Math.round(r.ms)),
      details: r.outcome.details,
      ...(r.outcome.status === 'fail' ? { failure: r.outcome.failure } : {}),
    };
  });
  return {
    protocol: input.protocol,
    ok: failed === undefined,
    ...(failed ? { failedStage: failed } : {}),
    testedAt: input.testedAt.toISOString(),
    ms: Math.max(0, Math.round(input.totalMs)),
    stages,
  };
}

/**
 * Every string in the result with the given secrets (in each spelling a server may echo)
 * and credential-carrying protocol arguments replaced by `[redacted]`: servers and identity
 * providers quote what they were sent, and their words end up in messages and details.
 */
const STRUCTURAL_KEYS = new Set(['protocol', 'stage', 'title', 'status', 'failedStage', 'testedAt', 'role', 'mode', 'step', 'class', 'code']);

/** Keyword lists and our own advice: secret values go, but "AUTH PLAIN" or a quoted "AUTHENTICATE failed" is not a credential line. */
const KEYWORD_KEYS = new Set(['capabilities', 'whatToDo']);

export function redactResult(result: ConnectionTestResult, secrets: readonly string[]): ConnectionTestResult {
  const spelled = [...new Set(secrets.filter((s) => s.length > 0).flatMap(spellings))];
  const walk = (v: unknown, keywords: boolean): unknown => {
    if (typeof v === 'string') return keywords ? redactText(v, spelled) : redactCredentials(v, secrets);
    if (Array.isArray(v)) return v.map((x) => walk(x, keywords));
    if (v !== null && typeof v === 'object') {
      // Our own words and enum values carry no server text, and a one-letter secret must not garble them.
      return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, STRUCTURAL_KEYS.has(k) ? child : walk(child, keywords || KEYWORD_KEYS.has(k))]));
    }
    return v;
  };
  return walk(result, false) as ConnectionTestResult;
}

/** Runs stages one after the other, timing each, until one fails; `recorded` feeds shapeResult. */
export class StageRecorder {
  readonly recorded: RecordedStage[] = [];
  private failed = false;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** True once a stage failed: later stages must not run. */
  get stopped(): boolean {
    return this.failed;
  }

  /**
   * Runs one stage. An exception the stage did not turn into a failure is recorded as one
   * (code UNEXPECTED) rather than lost, so the result always says where the test stopped.
   */
  async run(stage: StageId, fn: () => Promise<StageOutcome>): Promise<StageOutcome> {
    const started = this.now();
    let outcome: StageOutcome;
    try {
      outcome = await fn();
    } catch (err) {
      outcome = {
        status: 'fail',
        details: {},
        failure: { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err), whatToDo: 'run the test again; if it keeps failing, the message above and the function log say more' },
      };
    }
    this.recorded.push({ stage, outcome, ms: this.now() - started });
    if (outcome.status === 'fail') this.failed = true;
    return outcome;
  }
}

export const pass = (details: StageDetails): StageOutcome => ({ status: 'pass', details });
export const fail = (failure: StageFailure, details: StageDetails = {}): StageOutcome => ({ status: 'fail', details, failure });
