import { container } from '../store/cosmos';
import { queueService } from '../queue/send';

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
    probe('queues', async () => queueService().getProperties()),
  ]);
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
