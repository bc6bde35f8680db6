import path from 'node:path';
import { repoRoot } from '../../devhost/emulators';

/** The fixture Functions app the devhost tests run through the real host. */
export const fixtureApp = path.join(repoRoot, 'test', 'fixtures', 'host-app');

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Observation { fn: string; at: string; [key: string]: unknown }

/** What a fixture function saw (served by the fixture's `observed` function). */
export async function observed(baseUrl: string, fn: string): Promise<Observation[]> {
  const res = await fetch(`${baseUrl}/api/observed/${fn}`);
  if (!res.ok) throw new Error(`observed: HTTP ${res.status}`);
  return (await res.json()) as Observation[];
}

export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
