import { container } from '../store/cosmos';
import { queueClient } from '../queue/send';
import { QueueNames } from '../queue/contracts';

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

/** Checks that Cosmos and Storage answer. Errors are reported by kind only, never with connection details. */
export async function healthReport(): Promise<HealthReport> {
  const checks: HealthReport['checks'] = {};
  const probe = async (name: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      checks[name] = { ok: true };
    } catch (err) {
      checks[name] = { ok: false, error: err instanceof Error ? err.name : 'error' };
    }
  };
  await Promise.all([
    probe('cosmos', async () => (await container('channels')).read()),
    // one queue's properties: the app's Queue Data Contributor role covers it (account-level calls it may not)
    probe('queues', async () => (await queueClient(QueueNames.mailInbound)).getProperties()),
  ]);
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
