/**
 * A per-instance cache of reads that may be a little stale: each key is loaded once per
 * `ttlMs` (concurrent askers share the one load), and what is not found or fails to load is
 * never kept — a channel created a moment ago, or a read that timed out, is asked for again
 * next time. Writers in this instance `forget` what they changed, so their own change takes
 * effect at once; another instance's change takes effect within `ttlMs`.
 */
export interface TtlCache<V> {
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  forget(key: string): void;
  clear(): void;
}

export function ttlCache<V>(ttlMs: number, opts: { now?: () => number; maxEntries?: number } = {}): TtlCache<V> {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 10_000;
  const entries = new Map<string, { at: number; value: Promise<V | undefined> }>();
  const drop = (key: string, value: Promise<V | undefined>) => {
    if (entries.get(key)?.value === value) entries.delete(key);
  };
  return {
    get(key, load) {
      const hit = entries.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      if (entries.size >= maxEntries) {
        // expired entries first; a full cache of fresh ones starts over (a cache, never a leak)
        for (const [k, e] of entries) if (now() - e.at >= ttlMs) entries.delete(k);
        if (entries.size >= maxEntries) entries.clear();
      }
      const value = load();
      entries.set(key, { at: now(), value });
      value.then(
        (v) => {
          if (v === undefined) drop(key, value);
        },
        () => drop(key, value),
      );
      return value;
    },
    forget: (key) => void entries.delete(key),
    clear: () => entries.clear(),
  };
}
