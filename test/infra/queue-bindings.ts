import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Finds the storage queues a Functions source file binds to — `app.storageQueue(name,
 * { queueName })` triggers and `output.storageQueue({ queueName })` outputs — by reading
 * its TypeScript syntax tree. `queueName` may be a string literal, `QueueNames.<key>`,
 * or a file-level const holding either; anything else is reported as unresolved, so a
 * binding the infra test cannot check fails loudly instead of passing silently.
 */
export interface QueueBinding {
  file: string;
  kind: 'trigger' | 'output';
  /** Resolved queue name, or undefined when the expression could not be resolved. */
  queueName: string | undefined;
  /** Source text of the queueName expression. */
  queueNameText: string;
  /** The `connection` setting prefix when one is given (undefined means AzureWebJobsStorage). */
  connection: string | undefined;
}

export function queueBindingsIn(source: string, file: string, queueNames: Readonly<Record<string, string>>): QueueBinding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const consts = new Map<string, ts.Expression>();
  for (const stmt of sf.statements) {
    if (ts.isVariableStatement(stmt) && stmt.declarationList.flags & ts.NodeFlags.Const) {
      for (const d of stmt.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer) consts.set(d.name.text, d.initializer);
      }
    }
  }

  const resolve = (e: ts.Expression | undefined, depth = 0): string | undefined => {
    if (!e || depth > 5) return undefined;
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isAsExpression(e) || ts.isParenthesizedExpression(e)) return resolve(e.expression, depth + 1);
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'QueueNames') {
      return queueNames[e.name.text];
    }
    if (ts.isIdentifier(e)) return resolve(consts.get(e.text), depth + 1);
    return undefined;
  };
  const optionsOf = (e: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined => {
    if (!e) return undefined;
    if (ts.isObjectLiteralExpression(e)) return e;
    if (ts.isIdentifier(e)) return optionsOf(consts.get(e.text));
    return undefined;
  };
  const property = (o: ts.ObjectLiteralExpression | undefined, key: string): ts.Expression | undefined => {
    for (const p of o?.properties ?? []) {
      if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === key) return p.initializer;
    }
    return undefined;
  };

  const found: QueueBinding[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'storageQueue') {
      const owner = n.expression.expression;
      const ownerName = ts.isIdentifier(owner) ? owner.text : '';
      const kind = ownerName === 'app' ? 'trigger' : ownerName === 'output' ? 'output' : undefined;
      if (kind) {
        const options = optionsOf(kind === 'trigger' ? n.arguments[1] : n.arguments[0]);
        const queueNameExpr = property(options, 'queueName');
        const connectionExpr = property(options, 'connection');
        found.push({
          file,
          kind,
          queueName: resolve(queueNameExpr),
          queueNameText: queueNameExpr?.getText(sf) ?? (options ? '<no queueName>' : '<options not an object literal>'),
          connection: connectionExpr ? (resolve(connectionExpr) ?? connectionExpr.getText(sf)) : undefined,
        });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** Every queue binding in the .ts files of a folder (functions/). */
export function queueBindingsInDir(dir: string, queueNames: Readonly<Record<string, string>>): QueueBinding[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .flatMap((f) => queueBindingsIn(fs.readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f), queueNames));
}
