import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

/**
 * A real PowerShell parse where no `pwsh` can run: tree-sitter-powershell's grammar (its
 * WebAssembly build, through web-tree-sitter). Lists every ERROR or MISSING node, 1-based.
 */
export interface PsSyntaxProblem { line: number; column: number; text: string }

let parser: Promise<Parser> | undefined;

function powershellParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const wasm = path.join(path.dirname(require.resolve('tree-sitter-powershell/package.json')), 'tree-sitter-powershell.wasm');
    const p = new Parser();
    p.setLanguage(await Language.load(wasm));
    return p;
  })();
  return parser;
}

export async function powershellSyntaxProblems(source: string): Promise<PsSyntaxProblem[]> {
  const tree = (await powershellParser()).parse(source);
  if (!tree) throw new Error('tree-sitter-powershell returned no tree');
  const out: PsSyntaxProblem[] = [];
  const walk = (n: Node) => {
    if (n.type === 'ERROR' || n.isMissing) {
      out.push({ line: n.startPosition.row + 1, column: n.startPosition.column + 1, text: n.text.slice(0, 80) });
      return;
    }
    for (const c of n.children) if (c) walk(c);
  };
  walk(tree.rootNode);
  tree.delete();
  return out;
}
