/**
 * Outlook allows an app at most 4 concurrent requests per mailbox; a fifth gets 429
 * `MailboxConcurrency`. This keyed semaphore keeps every Graph request of the process for
 * one mailbox within that, whichever source instance, sync or worker sends it. (Several
 * processes still share the mailbox's budget: the Retry-After handling covers that.)
 */
export const GRAPH_MAILBOX_CONCURRENCY = 4;

class Semaphore {
  active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  get queued(): number {
    return this.waiting.length;
  }

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot straight to the next waiter, so a newcomer cannot overtake the queue. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

const semaphores = new Map<string, Semaphore>();

/** The limiter key of a mailbox on a Graph host (`host:port`; case-insensitive). */
export function mailboxKey(host: string, mailbox: string): string {
  return `${host.toLowerCase()}|${mailbox.toLowerCase()}`;
}

/** Runs `fn` once one of the mailbox's slots is free. */
export async function withMailboxSlot<T>(key: string, fn: () => Promise<T>, limit = GRAPH_MAILBOX_CONCURRENCY): Promise<T> {
  let sem = semaphores.get(key);
  if (!sem) {
    sem = new Semaphore(limit);
    semaphores.set(key, sem);
  }
  await sem.acquire();
  try {
    return await fn();
  } finally {
    sem.release();
    if (sem.active === 0 && sem.queued === 0) semaphores.delete(key);
  }
}

/** A request gate for the Graph client's middleware (see auth/graph-client.ts). */
export function mailboxGate(key: string, limit = GRAPH_MAILBOX_CONCURRENCY): <T>(attempt: () => Promise<T>) => Promise<T> {
  return (attempt) => withMailboxSlot(key, attempt, limit);
}

/** Requests running and waiting per mailbox key, for diagnostics and tests. */
export function limiterSnapshot(): { key: string; active: number; waiting: number }[] {
  return [...semaphores.entries()].map(([key, s]) => ({ key, active: s.active, waiting: s.queued }));
}
