import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { MetricNames, REAUTHORIZATION_CODES } from '../../shared/telemetry';
import { Outcome } from '../../shared/store/ledger';
import { Expr, bicep, literal, moduleNamed, params, prop, propPath, repoRoot, resourcesOfType, variable, type Node } from './bicep';

/**
 * The alerts query what the code really emits: every metric a rule's KQL names is created
 * by shared/telemetry and recorded from the code that sees the event, every dimension it
 * reads is an attribute set there, every value it compares is one the code writes.
 */
interface Rule { name: string; query: string; measure: string; aggregation: string; dimensions: string[]; description: string }

const alerts = () => bicep('app/alerts.bicep');
/** A Bicep string's KQL: interpolations kept as written, `\'` unescaped. */
const text = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Expr ? v.text.slice(1, -1).replace(/\\'/g, "'") : String(v));

function rules(): Rule[] {
  const list = literal(variable(alerts(), 'rules')) as Record<string, unknown>[];
  return list.map((r) => ({
    name: String(r.name),
    query: text(r.query),
    measure: String(r.measure),
    aggregation: String(r.aggregation),
    dimensions: (r.dimensions as string[]).map(String),
    description: text(r.description),
  }));
}

const metricsIn = (kql: string) => [...kql.matchAll(/\bname == '([^']+)'/g)].map((m) => m[1] as string);
const dimensionsIn = (kql: string) => [...new Set([...kql.matchAll(/customDimensions\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const telemetryFile = path.join(repoRoot, 'shared', 'telemetry', 'index.ts');
const sourceOf = (file: string) => ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);

/** The exported functions of shared/telemetry that record a metric, and the attribute keys each sets. */
function recorders(): { fn: string; metricKeys: string[]; attributeKeys: string[] }[] {
  const sf = sourceOf(telemetryFile);
  const out: { fn: string; metricKeys: string[]; attributeKeys: string[] }[] = [];
  for (const stmt of sf.statements) {
    if (!ts.isFunctionDeclaration(stmt) || !stmt.name || !stmt.body) continue;
    if (!stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const metricKeys: string[] = [];
    const attributeKeys: string[] = [];
    const visit = (n: ts.Node) => {
      if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'MetricNames') metricKeys.push(n.name.text);
      if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name))) attributeKeys.push(n.name.text);
      ts.forEachChild(n, visit);
    };
    visit(stmt.body);
    if (metricKeys.length) out.push({ fn: stmt.name.text, metricKeys, attributeKeys });
  }
  return out;
}

/** Files of shared/ and functions/ (telemetry itself excepted) that call `fn`. */
function callersOf(fn: string): string[] {
  const files = [...tsFiles(path.join(repoRoot, 'shared')), ...tsFiles(path.join(repoRoot, 'functions'))].filter((f) => f !== telemetryFile);
  return files.filter((file) => {
    let found = false;
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === fn) found = true;
      if (!found) ts.forEachChild(n, visit);
    };
    visit(sourceOf(file));
    return found;
  });
}

test('the alerts watch poison mail, channels to re-authorize, the fail-folder rate, subscription failures and Graph throttling', () => {
  assert.deepEqual(rules().map((r) => r.name), ['poison-messages', 'channel-needs-reauthorization', 'fail-folder-rate', 'subscription-renewal-failures', 'graph-throttling']);
});

test('every metric an alert queries is created by shared/telemetry and recorded by the code that sees the event', () => {
  const names = Object.values(MetricNames) as string[];
  const byMetric = new Map(Object.entries(MetricNames).map(([k, v]) => [v as string, k]));
  const rec = recorders();
  for (const rule of rules()) {
    const used = metricsIn(rule.query);
    assert.ok(used.length > 0, `${rule.name}: the query names its metric`);
    for (const metric of used) {
      assert.ok(names.includes(metric), `${rule.name}: ${metric} is not a metric of shared/telemetry (MetricNames)`);
      const key = byMetric.get(metric) as string;
      const emitters = rec.filter((r) => r.metricKeys.includes(key));
      assert.ok(emitters.length > 0, `${rule.name}: no telemetry function records ${metric}`);
      const callers = emitters.flatMap((e) => callersOf(e.fn));
      assert.ok(callers.length > 0, `${rule.name}: ${emitters.map((e) => e.fn).join('/')} is never called from shared/ or functions/`);
      for (const dim of dimensionsIn(rule.query)) {
        assert.ok(emitters.some((e) => e.attributeKeys.includes(dim)), `${rule.name}: customDimensions.${dim} is not an attribute of ${metric}`);
      }
    }
    // the measured column and the split-by dimensions are columns the query produces
    assert.match(rule.query, new RegExp(`\\b${rule.measure} = `), `${rule.name}: measure ${rule.measure}`);
    for (const d of rule.dimensions) assert.match(rule.query, new RegExp(`\\b${d} = `), `${rule.name}: dimension ${d}`);
    // the rule aggregates per window itself, so the query keeps a timestamp column
    assert.match(rule.query, /\bproject timestamp,|\btimestamp = max\(timestamp\)/, `${rule.name} keeps timestamp`);
  }
  // The recorders really are wired where the events happen.
  assert.ok(callersOf('recordPoisonMessage').includes(path.join(repoRoot, 'functions', 'record-failure.ts')));
  assert.ok(callersOf('recordSyncFailure').includes(path.join(repoRoot, 'shared', 'pipeline', 'runtime.ts')));
  assert.ok(callersOf('recordSubscriptionFailure').includes(path.join(repoRoot, 'shared', 'notifications', 'runtime.ts')));
  assert.ok(callersOf('recordGraphThrottled').includes(path.join(repoRoot, 'shared', 'auth', 'graph-client.ts')));
});

test('the values the alerts compare are values the code writes', () => {
  const byName = new Map(rules().map((r) => [r.name, r]));
  const failRate = byName.get('fail-folder-rate')?.query ?? '';
  const outcomes = [...(/outcome in \(([^)]*)\)/.exec(failRate)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
  // the fail folder receives exactly the rejected and failed mail (shared/pipeline/decide.ts, record-failure.ts)
  assert.deepEqual(outcomes, ['rejected', 'failed']);
  for (const o of outcomes) assert.ok((Outcome.options as readonly string[]).includes(o as string), o);

  const reauth = byName.get('channel-needs-reauthorization');
  assert.match(reauth?.query ?? '', /tostring\(customDimensions\.reauthorize\) == 'true'/);
  // each code that asks for re-authorization is one the code raises, and the alert names them all
  const sources = tsFiles(path.join(repoRoot, 'shared')).filter((f) => f !== telemetryFile).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  for (const code of REAUTHORIZATION_CODES) {
    assert.ok(sources.includes(`'${code}'`), `${code} is an error code of shared/ (outside telemetry)`);
    assert.ok(reauth?.description.includes(code), `the alert's description names ${code}`);
  }
});

test('alerts go to the admin\'s address through one action group, and exist only when an address is given', () => {
  const mod = moduleNamed(bicep('main.bicep'), 'alerts');
  assert.equal(mod.condition, '(!empty(alertEmail))');
  const email = params(bicep('main.bicep')).find((p) => p.name === 'alertEmail');
  assert.equal(email?.default?.text, "''");
  assert.equal(propPath(mod.body, 'params', 'appInsightsId')?.text, 'monitoring.outputs.appInsightsId');

  const [group] = resourcesOfType(alerts(), 'Microsoft.Insights/actionGroups');
  assert.equal(literal(prop(group?.body, 'location') as Node), 'global');
  const [receiver] = literal(propPath(group?.body, 'properties', 'emailReceivers') as Node) as Record<string, unknown>[];
  assert.equal((receiver?.emailAddress as Expr).text, 'alertEmail');
  assert.ok(String(literal(propPath(group?.body, 'properties', 'groupShortName') as Node)).length <= 12, 'an action group short name has at most 12 characters');

  const [rule] = resourcesOfType(alerts(), 'Microsoft.Insights/scheduledQueryRules');
  assert.equal(rule?.loopOver, 'rules');
  assert.equal(literal(prop(rule?.body, 'kind') as Node), 'LogAlert');
  assert.equal(propPath(rule?.body, 'properties', 'scopes')?.namedChildren[0]?.text, 'appInsightsId');
  assert.equal(propPath(rule?.body, 'properties', 'actions', 'actionGroups')?.namedChildren[0]?.text, 'actionGroup.id');
  for (const r of literal(variable(alerts(), 'rules')) as Record<string, unknown>[]) {
    assert.ok(['PT5M', 'PT15M', 'PT1H'].includes(String(r.window)) && ['PT5M', 'PT15M'].includes(String(r.frequency)), `${String(r.name)}: supported window and frequency`);
  }
});
