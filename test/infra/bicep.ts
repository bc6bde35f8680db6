import fs from 'node:fs';
import path from 'node:path';
import Parser from 'tree-sitter';
import Bicep from 'tree-sitter-bicep';

/**
 * Reads the Bicep in infra/ with tree-sitter-bicep (no Bicep compiler can be installed
 * here): a real syntax check, and a syntax tree the consistency tests query for what
 * is provisioned — literal lists, module parameters, resources and their properties.
 */
export type Node = Parser.SyntaxNode;

export const repoRoot = path.resolve(__dirname, '..', '..');
export const infraDir = path.join(repoRoot, 'infra');

const parser = new Parser();
parser.setLanguage(Bicep as unknown as Parser.Language);

export interface SyntaxProblem { line: number; column: number; kind: 'error' | 'missing'; text: string }

export interface BicepFile {
  file: string;
  root: Node;
  problems: SyntaxProblem[];
  /** `extension <alias>` declarations (aliases from bicepconfig.json, or 'br:…' references). */
  extensions: string[];
}

/** Every .bicep file under infra/, as absolute paths. */
export function bicepFiles(dir = infraDir): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...bicepFiles(p));
    else if (entry.name.endsWith('.bicep')) out.push(p);
  }
  return out.sort();
}

/**
 * tree-sitter-bicep 1.1.0 (the latest) predates the `extension` keyword (Bicep 0.26+, which
 * renamed `provider`), so it cannot parse one. An extension declaration in the one form this
 * project uses — `extension <identifier>` or `extension '<reference>'`, optionally `as <alias>`,
 * alone on its line — is checked here and blanked (same length: positions stay right) before
 * the grammar sees the file; any other line starting with `extension` goes to the grammar,
 * which reports it as an error.
 */
const EXTENSION_LINE = /^extension[ \t]+(?:([A-Za-z_][A-Za-z0-9_]*)|'([^'\\\r\n]+)')(?:[ \t]+as[ \t]+[A-Za-z_][A-Za-z0-9_]*)?[ \t]*(?:\/\/[^\r\n]*)?$/;

function takeExtensions(source: string): { text: string; extensions: string[] } {
  const extensions: string[] = [];
  const text = source
    .split('\n')
    .map((line) => {
      const m = EXTENSION_LINE.exec(line.replace(/\r$/, ''));
      if (!m) return line;
      extensions.push(m[1] ?? m[2] ?? '');
      return line.replace(/[^\r]/g, ' ');
    })
    .join('\n');
  return { text, extensions };
}

/** Parses Bicep source; `problems` lists every ERROR or MISSING node with its 1-based position. */
export function parseBicepSource(source: string, file = '<source>'): BicepFile {
  const { text, extensions } = takeExtensions(source);
  const tree = parser.parse(text);
  const problems: SyntaxProblem[] = [];
  const walk = (n: Node) => {
    if (n.type === 'ERROR' || n.isMissing) {
      problems.push({
        line: n.startPosition.row + 1,
        column: n.startPosition.column + 1,
        kind: n.isMissing ? 'missing' : 'error',
        text: n.isMissing ? n.type : n.text.slice(0, 80),
      });
    }
    for (const c of n.children) walk(c);
  };
  if (tree.rootNode.hasError) walk(tree.rootNode);
  return { file, root: tree.rootNode, problems, extensions };
}

const cache = new Map<string, BicepFile>();

/** Parses infra/<relative> (cached). */
export function bicep(relative: string): BicepFile {
  const file = path.join(infraDir, relative);
  let parsed = cache.get(file);
  if (!parsed) {
    parsed = parseBicepSource(fs.readFileSync(file, 'utf8'), file);
    cache.set(file, parsed);
  }
  return parsed;
}

/** A Bicep expression that is not a literal, kept as its source text. */
export class Expr {
  constructor(readonly text: string) {}
}

/** The value of a literal (string without interpolation, number, bool, null, array, object); anything else is an `Expr`. */
export function literal(node: Node): unknown {
  switch (node.type) {
    case 'string': {
      if (node.namedChildren.some((c) => c.type === 'interpolation')) return new Expr(node.text);
      const raw = node.text.startsWith("'''") ? node.text.slice(3, -3) : node.text.slice(1, -1);
      return raw.replace(/\\(['\\nrt$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
    }
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    case 'array':
      return node.namedChildren.filter((c) => c.type !== 'comment').map(literal);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of properties(node)) out[prop.key] = literal(prop.value);
      return out;
    }
    default:
      return new Expr(node.text);
  }
}

export interface Property { key: string; value: Node }

/** The properties of an object node, keys unquoted. */
export function properties(object: Node): Property[] {
  return object.namedChildren
    .filter((c) => c.type === 'object_property')
    .map((p) => {
      const [keyNode, value] = p.namedChildren.filter((c) => c.type !== 'comment');
      if (!keyNode || !value) throw new Error(`odd object property: ${p.text}`);
      const key = keyNode.type === 'string' ? String(literal(keyNode)) : keyNode.text;
      return { key, value };
    });
}

/** The value node of `key` in an object node, or undefined. */
export function prop(object: Node | undefined, key: string): Node | undefined {
  if (!object || object.type !== 'object') return undefined;
  return properties(object).find((p) => p.key === key)?.value;
}

/** Follows a path of keys through nested objects. */
export function propPath(object: Node | undefined, ...keys: string[]): Node | undefined {
  let at = object;
  for (const k of keys) at = prop(at, k);
  return at;
}

function declarations(root: Node, type: string): { name: string; node: Node }[] {
  return root.namedChildren
    .filter((c) => c.type === type)
    .map((node) => ({ name: node.namedChildren[0]?.text ?? '', node }));
}

/** The value node of `var <name> = …`. */
export function variable(f: BicepFile, name: string): Node {
  const decl = declarations(f.root, 'variable_declaration').find((d) => d.name === name);
  const value = decl?.node.namedChildren[1];
  if (!value) throw new Error(`${f.file}: no variable ${name}`);
  return value;
}

export interface Param { name: string; type: string; hasDefault: boolean; default?: Node }

/** Every `param` of a file. */
export function params(f: BicepFile): Param[] {
  return declarations(f.root, 'parameter_declaration').map(({ name, node }) => {
    const [, type, def] = node.namedChildren;
    return { name, type: type?.text ?? '', hasDefault: def !== undefined, default: def };
  });
}

/** Every `output` name of a file. */
export function outputs(f: BicepFile): string[] {
  return declarations(f.root, 'output_declaration').map((d) => d.name);
}

export interface Declared {
  /** Symbolic name. */
  name: string;
  /** Resource type with API version ('Microsoft.Web/sites@2024-04-01'), or module path. */
  target: string;
  /** The body object (inside a `for` or `if` when there is one). */
  body: Node;
  /** Source text of the collection a `for` iterates, if any. */
  loopOver?: string;
  /** Source text of the `if` condition, if any. */
  condition?: string;
}

function declared(f: BicepFile, type: 'resource_declaration' | 'module_declaration'): Declared[] {
  return declarations(f.root, type).map(({ name, node }) => {
    const target = String(literal(node.namedChildren[1] as Node));
    const last = node.namedChildren[node.namedChildren.length - 1] as Node;
    if (last.type === 'for_statement') {
      const body = last.childForFieldName('body') as Node;
      const parts = last.namedChildren.filter((c) => c.type !== 'comment' && c.id !== body.id);
      return { name, target, body, loopOver: parts[parts.length - 1]?.text };
    }
    if (last.type === 'if_statement') {
      const body = last.namedChildren.find((c) => c.type === 'object') as Node;
      const condition = last.namedChildren.find((c) => c.type === 'parenthesized_expression')?.text;
      return { name, target, body, condition };
    }
    return { name, target, body: last };
  });
}

export const resources = (f: BicepFile): Declared[] => declared(f, 'resource_declaration');
export const modules = (f: BicepFile): Declared[] => declared(f, 'module_declaration');

/** Resources whose type (without API version) is `type`. */
export function resourcesOfType(f: BicepFile, type: string): Declared[] {
  return resources(f).filter((r) => r.target.split('@')[0] === type);
}

/** The module declared as `module <name> …` in a file. */
export function moduleNamed(f: BicepFile, name: string): Declared {
  const m = modules(f).find((d) => d.name === name);
  if (!m) throw new Error(`${f.file}: no module ${name}`);
  return m;
}
