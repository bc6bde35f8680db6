import { z } from 'zod';

/**
 * A per-process budget of the mail bytes held at once. A mail up to STREAM_MAIL_ABOVE_MIB
 * (4 MiB) is held and parsed in memory (several times its size at peak) and counts its
 * size; a larger one streams through (large-mail.ts) and counts the bounded working set it
 * holds (STREAMED_MAIL_HELD_BYTES, 48 MiB), whatever its size. The Functions host hands an
 * instance up to 24 messages at a time: the budget keeps 24 large mails from exhausting a
 * Flex Consumption instance. Mails wait for room; one larger than the whole budget runs
 * alone. Small mails are not slowed by it in practice.
 *
 * Work that must not wait (an HTTP request, e.g. the admin's dry run) asks with
 * `tryAcquire` instead and is told "no room" at once when the budget is full.
 */
export class MemoryBudget {
  private inUse = 0;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];

  constructor(readonly limitBytes: number) {}

  /** Waits until `bytes` fit (or nothing else runs), first come first served; returns the release function. */
  async acquire(bytes: number): Promise<() => void> {
    if (this.waiting.length === 0 && this.fits(bytes)) this.inUse += bytes;
    else await new Promise<void>((grant) => this.waiting.push({ bytes, grant })); // counted when granted
    return this.releaser(bytes);
  }

  /**
   * Takes `bytes` only if they fit now and nobody is waiting (it never overtakes a waiting
   * mail); returns the release function, or undefined when there is no room.
   */
  tryAcquire(bytes: number): (() => void) | undefined {
    if (this.waiting.length > 0 || !this.fits(bytes)) return undefined;
    this.inUse += bytes;
    return this.releaser(bytes);
  }

  get bytesInUse(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private releaser(bytes: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= bytes;
      this.drain();
    };
  }

  private fits(bytes: number): boolean {
    return this.inUse === 0 || this.inUse + bytes <= this.limitBytes;
  }

  private drain(): void {
    while (this.waiting.length && this.fits(this.waiting[0]!.bytes)) {
      const next = this.waiting.shift()!;
      this.inUse += next.bytes;
      next.grant();
    }
  }
}

/** 96 MiB held: two streamed mails at once, or many small ones; within a 2 GB instance with room for the runtime. */
export const DEFAULT_MEMORY_BUDGET_MIB = 96;

/**
 * `MEMORY_BUDGET_MIB` (optional app setting) overrides the default, e.g. for a bigger
 * instance, or a small one in tests; a value that is not a whole number from 1 to 16384
 * is ignored rather than trusted.
 */
const BudgetEnv = z.object({
  MEMORY_BUDGET_MIB: z.coerce.number().int().min(1).max(16_384).catch(DEFAULT_MEMORY_BUDGET_MIB).default(DEFAULT_MEMORY_BUDGET_MIB),
});

export function memoryBudgetBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return BudgetEnv.parse(env).MEMORY_BUDGET_MIB * 1024 * 1024;
}

/** The one budget of this process: the mail pipeline and the dry run share it. */
export const processMemoryBudget = new MemoryBudget(memoryBudgetBytesFromEnv());

/**
 * Dry runs (an admin's uploads) take from the process budget and, together, from this half
 * of it, so they never crowd out the mail itself: with the default budget one 35 MB dry run
 * runs at a time.
 */
export const dryRunMemoryBudget = new MemoryBudget(Math.floor(processMemoryBudget.limitBytes / 2));

/** Takes `bytes` from every budget at once, or from none (never waits); the release function, or undefined. */
export function tryAcquireAll(budgets: readonly MemoryBudget[], bytes: number): (() => void) | undefined {
  const taken: (() => void)[] = [];
  for (const b of budgets) {
    const release = b.tryAcquire(bytes);
    if (!release) {
      for (const r of taken) r();
      return undefined;
    }
    taken.push(release);
  }
  return () => taken.forEach((r) => r());
}
