import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';
import ignore from 'ignore';
import { parse as parseYaml } from 'yaml';
import { QueueServiceClient } from '@azure/storage-queue';
import { allQueueNames } from '../../shared/queue/contracts';
import { encodeQueueMessage } from '../../shared/queue/send';
import { SettingsSchema, loadSettings } from '../../shared/config/settings';
import { COSMOS_EMULATOR_KEY } from '../../devhost/emulators';
import { bicep, literal, moduleNamed, prop, propPath, repoRoot, resourcesOfType, type Node } from './bicep';
import { FUNCTION_TIMEOUT_MS } from '../../shared/function-timeout';

/** azure.yaml, host.json, local.settings.json.example and .funcignore: the app's runtime config files. */
const read = (rel: string) => fs.readFileSync(path.join(repoRoot, rel), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { main?: string; scripts?: Record<string, string>; dependencies?: Record<string, string> };

test('azure.yaml deploys this project as the function service "api" with the Bicep in infra/', () => {
  const doc = parseYaml(read('azure.yaml')) as {
    name?: string;
    infra?: { provider?: string; path?: string; module?: string };
    services?: Record<string, { project?: string; language?: string; host?: string }>;
  };
  assert.ok(doc.name);
  assert.deepEqual(Object.keys(doc.services ?? {}), ['api']);
  assert.deepEqual(doc.services?.api && { project: doc.services.api.project, language: doc.services.api.language, host: doc.services.api.host }, {
    project: '.',
    language: 'ts',
    host: 'function',
  });
  assert.equal(doc.infra?.provider, 'bicep');
  assert.ok(fs.existsSync(path.join(repoRoot, doc.infra?.path ?? '', `${doc.infra?.module ?? ''}.bicep`)), 'infra/main.bicep');

  // azd finds the Function App by the tag azd-service-name = the service's key.
  assert.equal(literal(propPath(moduleNamed(bicep('main.bicep'), 'api').body, 'params', 'serviceName') as Node), 'api');
  const [site] = resourcesOfType(bicep('app/api.bicep'), 'Microsoft.Web/sites');
  assert.match(prop(site?.body, 'tags')?.text ?? '', /'azd-service-name':\s*serviceName/);

  // azd runs `npm run build` itself; the worker loads the compiled functions from package.json main.
  assert.ok(packageJson.scripts?.build, 'package.json has a build script');
  assert.equal(packageJson.main, 'dist/functions/*.js');
});

/** A .NET TimeSpan as host.json writes it ("hh:mm:ss"), in ms. */
function timeSpanMs(text: unknown): number {
  const m = /^(\d+):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(String(text));
  assert.ok(m, `not a timespan: ${String(text)}`);
  const [, h, min, s, frac] = m;
  return ((Number(h) * 60 + Number(min)) * 60 + Number(s)) * 1000 + Number((frac ?? '0').padEnd(3, '0'));
}

test('host.json retries a failing message five times, then the host moves it to its poison queue', () => {
  const host = JSON.parse(read('host.json')) as {
    version: string;
    functionTimeout: string;
    extensionBundle: { id: string; version: string };
    logging: { applicationInsights: { samplingSettings: { isEnabled: boolean; excludedTypes: string } } };
    extensions: { http?: { routePrefix?: string }; queues: Record<string, unknown> };
  };
  assert.equal(host.version, '2.0');
  assert.deepEqual(host.extensionBundle, { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
  const q = host.extensions.queues;
  assert.equal(q.maxDequeueCount, 5);
  // The poison queue the host uses for each queue is provisioned (infra) and named in the code.
  for (const name of allQueueNames.filter((n) => !n.endsWith('-poison'))) {
    assert.ok(allQueueNames.includes(`${name}-poison`), `${name}-poison`);
  }
  // A transient failure waits before the next attempt; the poll interval keeps latency low.
  assert.ok(timeSpanMs(q.visibilityTimeout) >= 10_000, 'visibilityTimeout gives a transient failure time to pass');
  assert.ok(timeSpanMs(q.maxPollingInterval) <= 10_000, 'maxPollingInterval keeps new mail from waiting long');
  assert.ok(Number.isInteger(q.batchSize) && (q.batchSize as number) >= 1 && (q.batchSize as number) <= 32);
  assert.ok(Number.isInteger(q.newBatchThreshold) && (q.newBatchThreshold as number) >= 0);
  assert.ok(timeSpanMs(host.functionTimeout) >= 60_000);
  assert.equal(timeSpanMs(host.functionTimeout), FUNCTION_TIMEOUT_MS, 'record claims (ledger, outbox) last exactly the function timeout');
  assert.equal(host.extensions.http?.routePrefix ?? 'api', 'api');
  // Requests are never sampled away: every admin call and Graph notification stays visible.
  assert.match(host.logging.applicationInsights.samplingSettings.excludedTypes, /\bRequest\b/);
});

test('host.json expects base64 queue messages, which is what the app sends', () => {
  const host = JSON.parse(read('host.json')) as { extensions: { queues: { messageEncoding?: string } } };
  assert.equal(host.extensions.queues.messageEncoding ?? 'base64', 'base64');
  const body = { channelId: 'c1', reason: 'manual', fullResync: false, requestedAt: '2024-01-01T00:00:00.000Z' };
  const wire = encodeQueueMessage(body);
  assert.match(wire, /^[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(JSON.parse(Buffer.from(wire, 'base64').toString('utf8')), body);
});

test('local.settings.json.example is valid for the app and points at the local emulators', () => {
  const example = JSON.parse(read('local.settings.json.example')) as { IsEncrypted: boolean; Values: Record<string, unknown> };
  assert.equal(example.IsEncrypted, false);
  for (const [k, v] of Object.entries(example.Values)) assert.equal(typeof v, 'string', `Values.${k} must be a string`);
  const values = example.Values as Record<string, string>;
  assert.equal(values.FUNCTIONS_WORKER_RUNTIME, 'node');
  const schemaKeys = new Set(Object.keys(SettingsSchema.shape));
  const unknown = Object.keys(values).filter((k) => k !== 'FUNCTIONS_WORKER_RUNTIME' && !schemaKeys.has(k));
  assert.deepEqual(unknown, [], 'every setting is one the app reads');

  const s = loadSettings(values);
  assert.equal(s.COSMOS_KEY, COSMOS_EMULATOR_KEY);
  assert.equal(s.COSMOS_DATABASE, 'mailchannel');
  assert.ok(s.LOCAL_SECRETS_FILE && s.LOCAL_SECRETS_KEY && s.ADMIN_API_KEY);
  assert.equal(s.KEY_VAULT_URI, undefined, 'locally, secrets go to the local encrypted store');
  assert.equal(QueueServiceClient.fromConnectionString(s.AzureWebJobsStorage ?? '').url, 'http://127.0.0.1:10001/devstoreaccount1');

  // The real local.settings.json (with the generated keys) is never committed.
  assert.ok(ignore().add(read('.gitignore')).ignores('local.settings.json'));
});

const funcignore = () => ignore().add(read('.funcignore'));

test('.funcignore ships the app and leaves out dependencies, local settings, tests and tools', () => {
  const ig = funcignore();
  for (const kept of ['host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'functions/health.ts', 'shared/config/settings.ts', 'dist/functions/health.js', 'dist/shared/config/settings.js']) {
    assert.equal(ig.ignores(kept), false, `${kept} is deployed`);
  }
  for (const left of ['node_modules/zod/package.json', 'local.settings.json', 'local.settings.json.example', 'test/infra/app-config.test.ts', 'devhost/emulators.ts', 'scripts/run-tests.ts', 'bench/run.ts', 'cli/inspect.ts', 'dist/cli/inspect.js', 'infra/main.bicep', '.azure/dev/.env', '.local/secrets.enc.json', 'dist/test/x.test.js', 'dist/devhost/emulators.js', 'azure.yaml']) {
    assert.equal(ig.ignores(left), true, `${left} is not deployed`);
  }
});

/** Module specifiers a file loads at run time (type-only imports excepted). */
function runtimeImports(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && !n.importClause?.isTypeOnly && ts.isStringLiteral(n.moduleSpecifier)) {
      const named = n.importClause?.namedBindings;
      const allTypeOnly = !n.importClause?.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (!allTypeOnly) out.push(n.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(n) && !n.isTypeOnly && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0] as ts.Expression)) {
      const callee = n.expression;
      if ((ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword) {
        out.push((n.arguments[0] as ts.StringLiteral).text);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolvesTo(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, base, path.join(base, 'index.ts'), `${base}.json`].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

test('the deployed code loads only deployed files and runtime dependencies', () => {
  const ig = funcignore();
  const dependencies = new Set(Object.keys(packageJson.dependencies ?? {}));
  const builtins = new Set(builtinModules);
  const files = [...tsFiles(path.join(repoRoot, 'functions')), ...tsFiles(path.join(repoRoot, 'shared'))];
  assert.ok(files.length > 0);
  const problems: string[] = [];
  for (const file of files) {
    const rel = path.relative(repoRoot, file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) {
        const target = resolvesTo(file, spec);
        // An import that does not resolve at all is tsc's to report.
        if (target && ig.ignores(path.relative(repoRoot, target).split(path.sep).join('/'))) problems.push(`${rel}: ${spec} is left out of the package by .funcignore`);
      } else if (!spec.startsWith('node:') && !builtins.has(spec)) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
        if (!dependencies.has(pkg)) problems.push(`${rel}: ${pkg} is not in package.json dependencies (devDependencies are not deployed)`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
