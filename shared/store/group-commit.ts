/**
 * Group commit: writes to the same key that arrive while one is in flight wait and go
 * together in the next write, so N concurrent writers of one counter document cost about
 * one request per round trip instead of N. A single writer pays nothing extra: its write
 * starts at once. Every caller's promise settles with the write that carried its items
 * (a failure rejects every caller of that write; the next round starts afresh).
 */
export function groupCommit<T>(write: (key: string, items: T[]) => Promise<void>): (key: string, item: T) => Promise<void> {
  const waiting = new Map<string, { items: T[]; settle: { resolve: () => void; reject: (err: unknown) => void }[] }>();
  const running = new Set<string>();

  async function drain(key: string): Promise<void> {
    running.add(key);
    try {
      for (let round = waiting.get(key); round; round = waiting.get(key)) {
        waiting.delete(key);
        try {
          await write(key, round.items);
          for (const s of round.settle) s.resolve();
        } catch (err) {
          for (const s of round.settle) s.reject(err);
        }
      }
    } finally {
      running.delete(key);
    }
  }

  return (key, item) =>
    new Promise<void>((resolve, reject) => {
      const round = waiting.get(key) ?? { items: [], settle: [] };
      waiting.set(key, round);
      round.items.push(item);
      round.settle.push({ resolve, reject });
      if (!running.has(key)) void drain(key);
    });
}
