/**
 * Deferred commit: items for one key gather in memory and are written together, at most one
 * write per key per `intervalMs`. The first item after a quiet interval is written at once
 * (a lone mail is counted as it closes); the items that follow within the interval wait for
 * its end and go in one write, so a channel closing 25 mails a second costs one write a
 * second instead of 25. Items added while a write is in flight go in the next one (group
 * commit).
 *
 * The price is durability, and it is bounded: what waits is lost if the process dies
 * without `flushAll` (the Functions host's appTerminate hook and Node's `beforeExit` call
 * it), so at most one interval of items per key and process. A failed write puts its items
 * back for the next interval, up to `maxAttempts` writes in a row; then they are dropped and
 * reported. Only for what may be lost that way: counters, never a record of a mail.
 */
export interface DeferredCommit<T> {
  /** Adds an item; the promise settles with the write that carries it (callers on a hot path ignore it). */
  add(key: string, item: T): Promise<void>;
  /** Writes what waits for `key` now (after any write in flight); rejects when that write fails. */
  flush(key: string): Promise<void>;
  /** Writes what waits for every key (or every key `which` picks) now; never rejects (failures go to `onError`). */
  flushAll(which?: (key: string) => boolean): Promise<void>;
  /** Keys with items waiting or a write in flight. */
  busyKeys(): number;
}

export interface DeferredCommitOptions<T> {
  intervalMs: number;
  maxAttempts: number;
  write(key: string, items: T[]): Promise<void>;
  /** A write failed; `dropped`: its items were given up (else they wait for the next write). */
  onError(key: string, err: unknown, dropped: boolean, items: number): void;
  now?: () => number;
}

interface Round<T> {
  items: T[];
  done: Promise<void>;
  settle(err?: unknown): void;
}

interface KeyState<T> {
  next?: Round<T>;
  running?: Promise<void>;
  writeTimer?: NodeJS.Timeout;
  forgetTimer?: NodeJS.Timeout;
  lastStart: number;
  failures: number;
}

function newRound<T>(): Round<T> {
  let settle!: Round<T>['settle'];
  const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
  // handled here: a caller that ignores its round's outcome leaves no unhandled rejection
  done.catch(() => undefined);
  return { items: [], done, settle };
}

export function deferredCommit<T>(options: DeferredCommitOptions<T>): DeferredCommit<T> {
  const now = options.now ?? Date.now;
  const states = new Map<string, KeyState<T>>();

  function stateOf(key: string): KeyState<T> {
    let s = states.get(key);
    if (!s) states.set(key, (s = { lastStart: Number.NEGATIVE_INFINITY, failures: 0 }));
    if (s.forgetTimer) clearTimeout(s.forgetTimer);
    s.forgetTimer = undefined;
    return s;
  }

  function schedule(key: string, s: KeyState<T>): void {
    if (s.running || s.writeTimer || !s.next) return;
    const wait = s.lastStart + options.intervalMs - now();
    if (wait <= 0) return start(key, s);
    s.writeTimer = setTimeout(() => {
      s.writeTimer = undefined;
      start(key, s);
    }, wait);
    s.writeTimer.unref();
  }

  function start(key: string, s: KeyState<T>): void {
    const round = s.next;
    if (!round || s.running) return;
    s.next = undefined;
    s.lastStart = now();
    s.running = (async () => {
      try {
        await options.write(key, round.items);
        s.failures = 0;
        round.settle();
      } catch (err) {
        s.failures++;
        const dropped = s.failures >= options.maxAttempts;
        if (dropped) s.failures = 0;
        else (s.next ??= newRound()).items.unshift(...round.items);
        options.onError(key, err, dropped, round.items.length);
        round.settle(err);
      } finally {
        s.running = undefined;
        if (s.next) schedule(key, s);
        else forgetWhenQuiet(key, s);
      }
    })();
  }

  /** A key with nothing waiting is forgotten once its interval has passed (the map holds only live keys). */
  function forgetWhenQuiet(key: string, s: KeyState<T>): void {
    s.forgetTimer = setTimeout(() => {
      if (!s.next && !s.running && !s.writeTimer) states.delete(key);
    }, options.intervalMs);
    s.forgetTimer.unref();
  }

  async function flush(key: string): Promise<void> {
    const s = states.get(key);
    if (!s) return;
    while (s.running) await s.running;
    const round = s.next;
    if (!round) return;
    if (s.writeTimer) clearTimeout(s.writeTimer);
    s.writeTimer = undefined;
    start(key, s);
    await round.done;
  }

  return {
    add(key, item) {
      const s = stateOf(key);
      const round = (s.next ??= newRound());
      round.items.push(item);
      schedule(key, s);
      return round.done;
    },
    flush,
    async flushAll(which) {
      const keys = [...states.keys()].filter((key) => !which || which(key));
      await Promise.all(keys.map((key) => flush(key).catch(() => undefined)));
    },
    busyKeys: () => [...states.values()].filter((s) => s.next || s.running).length,
  };
}
