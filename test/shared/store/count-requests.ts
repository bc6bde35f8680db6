import { Item, Items } from '@azure/cosmos';

/** Counts the SDK's item requests made while `fn` runs (the real calls still go to the emulator). */
export async function countRequests(fn: () => Promise<unknown>): Promise<{ read: number; create: number; batch: number; patch: number }> {
  const counts = { read: 0, create: 0, batch: 0, patch: 0 };
  const spy = <T extends object>(proto: T, name: keyof T & keyof typeof counts) => {
    const original = proto[name] as (...args: unknown[]) => unknown;
    (proto as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      counts[name]++;
      return original.apply(this, args);
    };
    return () => void ((proto as Record<string, unknown>)[name] = original);
  };
  const restore = [spy(Item.prototype, 'read'), spy(Item.prototype, 'patch'), spy(Items.prototype, 'create'), spy(Items.prototype, 'batch')];
  try {
    await fn();
  } finally {
    for (const r of restore) r();
  }
  return counts;
}
