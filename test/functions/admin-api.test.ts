import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CoreRegistry, installCoreApi } from '../../devhost/core-api';
import { repoRoot } from '../../devhost/emulators';
import { adminRoutes } from '../../shared/admin/routes';

/**
 * functions/admin-api.ts loaded the way the local host loads the app: `@azure/functions`
 * registers through the devhost's core API (the worker's registerFunction), so what lands in
 * the registry is what Azure indexes.
 */
function registrationsOfAdminApi() {
  const registry = new CoreRegistry();
  installCoreApi(registry, () => undefined);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(repoRoot, 'functions', 'admin-api.ts'));
  assert.deepEqual(registry.errors, []);
  return [...registry.functions.values()].map((r) => {
    const trigger = Object.values(r.metadata.bindings).find((b) => /^httpTrigger$/i.test(b.type)) as { route?: string; methods?: string[]; authLevel?: string } | undefined;
    return { name: r.metadata.name, route: trigger?.route, methods: trigger?.methods, authLevel: trigger?.authLevel };
  });
}

test('one file registers every route of the admin route table with its function name, route and method, anonymous at the host', () => {
  const registered = registrationsOfAdminApi().sort((a, b) => a.name.localeCompare(b.name));
  const expected = Object.values(adminRoutes)
    .map((r) => ({ name: r.name, route: r.route, methods: [r.method], authLevel: 'anonymous' }))
    .sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(registered, expected);
});
