import { createRequire } from 'node:module';

/** The library's CommonJS module object itself (an import would be a read-only namespace copy under tsx). */
const transformer = createRequire(__filename)('@zeit/cosmosdb-query/lib/transformer') as { default: (sqlAst: Record<string, unknown>) => unknown };

/**
 * The local Cosmos emulator (@vercel/cosmosdb-server) runs every query as JavaScript that
 * @zeit/cosmosdb-query 0.7.2 generates, and that code builds the query's FROM rows with
 *
 *     documents.reduce(($, c) => typeof c !== "undefined" ? [...$, { c }] : $, [])
 *
 * which copies the accumulator once per document: quadratic in the container's size.
 * Measured on this machine: one due-time query of the sync scheduler over 15,000
 * documents took 6.5 s, over 30,000 58 s, over 50,000 170 s (the 10,000-mailbox row of
 * `npm run bench -- scale`) — while the filter, sort and page after it take milliseconds.
 * Real Cosmos serves such a query from its index; the emulator's only promise is a full
 * scan, and a full scan should be linear.
 *
 * This rewrites those two generated shapes to the `flatMap` they mean — same rows, same
 * order — by wrapping the library's SQL→JS transformer (which the Query class looks up at
 * each compile, so every query compiled after this runs linear). Any other shape is left
 * as generated. Idempotent; applied by `startCosmos` before the server answers.
 */

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAccumulator = (v: unknown): boolean => isNode(v) && v.type === 'Identifier' && v.name === '$';
const isSpreadOfAccumulator = (v: unknown): boolean => isNode(v) && v.type === 'SpreadElement' && isAccumulator(v.argument);
const emptyArray = (): Node => ({ type: 'ArrayExpression', elements: [] });

/**
 * The body of `(row) => …` for flatMap equal to the reducer body `b` of `($, row) => b`,
 * or undefined when `b` is not one of the generated shapes:
 *   `[...$, ...items]`                →  `[...items]`
 *   `test ? [...$, item] : $`         →  `test ? [item] : []`
 */
function flatMapBody(body: unknown): Node | undefined {
  if (!isNode(body)) return undefined;
  if (body.type === 'ArrayExpression' && Array.isArray(body.elements) && isSpreadOfAccumulator(body.elements[0])) {
    return { type: 'ArrayExpression', elements: body.elements.slice(1) };
  }
  if (body.type === 'ConditionalExpression' && isAccumulator(body.alternate)) {
    const consequent = body.consequent;
    if (isNode(consequent) && consequent.type === 'ArrayExpression' && Array.isArray(consequent.elements) && isSpreadOfAccumulator(consequent.elements[0])) {
      return { ...body, consequent: { type: 'ArrayExpression', elements: consequent.elements.slice(1) }, alternate: emptyArray() };
    }
  }
  return undefined;
}

/** `x.reduce(($, row) => body, [])` of a generated shape → `x.flatMap((row) => body')`; other nodes unchanged. */
function linearReduce(node: Node): Node | undefined {
  if (node.type !== 'CallExpression') return undefined;
  const callee = node.callee;
  const args = node.arguments;
  if (!isNode(callee) || callee.type !== 'MemberExpression' || !isNode(callee.property) || callee.property.name !== 'reduce') return undefined;
  if (!Array.isArray(args) || args.length !== 2) return undefined;
  const [reducer, initial] = args as unknown[];
  if (!isNode(initial) || initial.type !== 'ArrayExpression' || !Array.isArray(initial.elements) || initial.elements.length !== 0) return undefined;
  if (!isNode(reducer) || reducer.type !== 'ArrowFunctionExpression' || !Array.isArray(reducer.params) || reducer.params.length !== 2) return undefined;
  if (!isAccumulator(reducer.params[0])) return undefined;
  const body = flatMapBody(reducer.body);
  if (!body) return undefined;
  return {
    ...node,
    callee: { ...callee, property: { type: 'Identifier', name: 'flatMap' } },
    arguments: [{ ...reducer, params: [reducer.params[1]], body }],
  };
}

/** Rewrites every generated quadratic reduce in the JS AST, bottom-up (nested FROM/JOIN chains included). */
export function linearizeGeneratedQuery(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(linearizeGeneratedQuery);
  if (!isNode(node)) return node;
  const children = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, linearizeGeneratedQuery(v)]));
  return linearReduce(children) ?? children;
}

const PATCHED = Symbol.for('mail-channel.cosmos-query-linear');

export function makeEmulatorQueriesLinear(): void {
  const target = transformer as typeof transformer & { [PATCHED]?: true };
  if (target[PATCHED]) return;
  const original = target.default;
  target.default = (sqlAst) => linearizeGeneratedQuery(original(sqlAst));
  target[PATCHED] = true;
}
