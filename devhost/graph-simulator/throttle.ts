/**
 * Outlook's per app-and-mailbox limits, as Exchange Online applies them to Graph mail calls:
 * at most `maxConcurrent` requests in flight (default 4) and `requestsPerWindow` requests in
 * a sliding `windowMs` (default 10,000 per 10 minutes). Over either limit the request gets
 * 429 `ApplicationThrottled` with `Retry-After` in seconds. A fault queue lets a test make
 * the next K requests fail with 429/503/504 regardless.
 */
export interface ThrottleOptions {
  maxConcurrent?: number;
  requestsPerWindow?: number;
  windowMs?: number;
  /** Retry-After sent with a concurrency 429 (seconds). */
  concurrencyRetryAfterSeconds?: number;
}

export interface InjectedFault {
  status: 429 | 503 | 504;
  retryAfterSeconds?: number;
  /** Only requests whose endpoint name matches (e.g. `messages.value`); any when absent. */
  endpoint?: string;
}

export type Admission =
  | { ok: true; release(): void }
  | { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number; release(): void };

export class MailboxThrottle {
  private readonly maxConcurrent: number;
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly concurrencyRetryAfter: number;
  private readonly inFlight = new Map<string, number>();
  private readonly windows = new Map<string, number[]>();
  private readonly faults: InjectedFault[] = [];
  /** Most requests ever open at once per key, counting those that were then refused. */
  readonly maxObserved = new Map<string, number>();
  throttled = 0;

  constructor(opts: ThrottleOptions = {}) {
    this.maxConcurrent = opts.maxConcurrent ?? 4;
    this.perWindow = opts.requestsPerWindow ?? 10_000;
    this.windowMs = opts.windowMs ?? 600_000;
    this.concurrencyRetryAfter = opts.concurrencyRetryAfterSeconds ?? 1;
  }

  inject(count: number, fault: InjectedFault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Counts a request that arrived for `key` (app id + mailbox) and decides whether it may run. */
  admit(key: string, endpoint: string, now: number): Admission {
    const open = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, open);
    this.maxObserved.set(key, Math.max(this.maxObserved.get(key) ?? 0, open));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
    };

    const faultIndex = this.faults.findIndex((f) => !f.endpoint || f.endpoint === endpoint);
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      if (fault) {
        if (fault.status === 429) this.throttled++;
        return fault.status === 429
          ? { ok: false, status: 429, code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.', retryAfterSeconds: fault.retryAfterSeconds ?? 1, release }
          : { ok: false, status: fault.status, code: fault.status === 503 ? 'ServiceUnavailable' : 'GatewayTimeout', message: 'The service is temporarily unavailable. Please try again later.', retryAfterSeconds: fault.retryAfterSeconds, release };
      }
    }

    if (open > this.maxConcurrent) {
      this.throttled++;
      return { ok: false, status: 429, code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.', retryAfterSeconds: this.concurrencyRetryAfter, release };
    }

    const log = this.windows.get(key) ?? [];
    this.windows.set(key, log);
    while (log.length > 0 && (log[0] ?? 0) <= now - this.windowMs) log.shift();
    if (log.length >= this.perWindow) {
      this.throttled++;
      const oldest = log[0] ?? now;
      const waitSeconds = Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
      return { ok: false, status: 429, code: 'ApplicationThrottled', message: 'Application is over its MailboxRequestRate limit.', retryAfterSeconds: waitSeconds, release };
    }
    log.push(now);
    return { ok: true, release };
  }
}
