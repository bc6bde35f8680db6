/**
 * Runs `fn` over `items` with at most `width` calls in flight, each lane taking the next
 * item as soon as its last one is done (so one slow item holds up one lane, not a batch).
 * `fn` handles its own errors; the first one it throws rejects the whole run.
 */
export async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}
