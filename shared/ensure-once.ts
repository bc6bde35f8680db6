/**
 * Runs an idempotent set-up step (create a queue, a container) once per name per
 * process; a failed attempt is forgotten, so the next caller tries again.
 */
export function ensureOnce(): { run(name: string, step: () => Promise<unknown>): Promise<unknown>; clear(): void } {
  const started = new Map<string, Promise<unknown>>();
  return {
    run(name, step) {
      let p = started.get(name);
      if (!p) {
        p = step();
        started.set(name, p);
        p.catch(() => started.delete(name));
      }
      return p;
    },
    clear: () => started.clear(),
  };
}
