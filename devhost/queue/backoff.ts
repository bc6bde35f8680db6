/**
 * The queue listener's polling delay (WebJobs RandomizedExponentialBackoffStrategy):
 * after a poll that found messages the delay resets to the minimum (100 ms); each empty
 * poll roughly doubles it (±20 % jitter) up to `maxPollingInterval`.
 */
export class RandomizedExponentialBackoff {
  private current: number;
  private exponent = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.current = minMs;
  }

  next(foundMessages: boolean): number {
    if (foundMessages) {
      this.current = this.minMs;
      this.exponent = 1;
      return this.current;
    }
    if (this.current === this.maxMs) return this.current;
    let interval = this.minMs;
    if (this.exponent > 0) {
      const factor = 0.8 + this.random() * 0.4;
      interval += factor * 2 ** (this.exponent - 1) * this.minMs;
    }
    if (interval < this.maxMs) {
      this.current = interval;
      this.exponent++;
    } else {
      this.current = this.maxMs;
    }
    return this.current;
  }
}
