/**
 * A per-process budget of raw mail bytes being processed at once. Parsing holds a mail
 * and its decoded parts in memory (bench/: about 7× the raw size at peak), and the
 * Functions host hands an instance up to 24 messages at a time: 24 large mails would
 * exhaust a Flex Consumption instance. Large mails therefore wait for room; a mail larger
 * than the whole budget runs alone. Small mails are not slowed by it in practice.
 */
export class MemoryBudget {
  private inUse = 0;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];

  constructor(readonly limitBytes: number) {}

  /** Waits until `bytes` fit (or nothing else runs), first come first served; returns the release function. */
  async acquire(bytes: number): Promise<() => void> {
    if (this.waiting.length === 0 && this.fits(bytes)) this.inUse += bytes;
    else await new Promise<void>((grant) => this.waiting.push({ bytes, grant })); // counted when granted
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= bytes;
      this.drain();
    };
  }

  get bytesInUse(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiting.length;
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

/** 96 MiB of raw mail in flight ≈ 700 MB peak: within a 2 GB instance with room for the runtime. */
export const processMemoryBudget = new MemoryBudget(96 * 1024 * 1024);
