/**
 * Reads PowerShell source well enough to check it structurally where no `pwsh` can run:
 * strips comments and string literals (single, double with backtick escapes and `$( )`
 * subexpressions, here-strings), checks that brackets balance and nest, and lists every
 * call of a named command with the parameter names it passes.
 */

export interface PsSource {
  /** The source with comments blanked and every string literal replaced by `''` (newlines kept). */
  code: string;
  /** Problems that would stop PowerShell from parsing: unclosed strings, comments, brackets. */
  problems: string[];
  /** The text of each string literal, in order. */
  strings: string[];
  /** The help comment (`<# ... #>`) texts. */
  comments: string[];
}

export function readPowerShell(source: string): PsSource {
  const problems: string[] = [];
  const strings: string[] = [];
  const comments: string[] = [];
  let code = '';
  let i = 0;
  const lineAt = (pos: number) => source.slice(0, pos).split('\n').length;
  const keepNewlines = (text: string) => text.replace(/[^\n]/g, ' ');

  /** Index just past a double-quoted string body starting at `from` (after the opening quote). */
  const endOfDoubleQuoted = (from: number, hereString: boolean): number => {
    let j = from;
    while (j < source.length) {
      const c = source[j];
      if (c === '`') { j += 2; continue; }
      if (c === '$' && source[j + 1] === '(') { j = endOfSubexpression(j + 2); continue; }
      if (hereString) {
        if (c === '\n' && source.startsWith('"@', j + 1)) return j + 3;
      } else if (c === '"') {
        if (source[j + 1] === '"') { j += 2; continue; }
        return j + 1;
      }
      j += 1;
    }
    problems.push(`unclosed string from line ${lineAt(from)}`);
    return source.length;
  };

  /** Index just past the `)` closing a `$(` whose body starts at `from`. */
  const endOfSubexpression = (from: number): number => {
    let depth = 1;
    let j = from;
    while (j < source.length) {
      const c = source[j];
      if (c === "'") { j = endOfSingleQuoted(j + 1, false); continue; }
      if (c === '"') { j = endOfDoubleQuoted(j + 1, false); continue; }
      if (c === '(') depth += 1;
      if (c === ')' && --depth === 0) return j + 1;
      j += 1;
    }
    problems.push(`unclosed $( from line ${lineAt(from)}`);
    return source.length;
  };

  const endOfSingleQuoted = (from: number, hereString: boolean): number => {
    let j = from;
    while (j < source.length) {
      if (hereString) {
        if (source[j] === '\n' && source.startsWith("'@", j + 1)) return j + 3;
      } else if (source[j] === "'") {
        if (source[j + 1] === "'") { j += 2; continue; }
        return j + 1;
      }
      j += 1;
    }
    problems.push(`unclosed string from line ${lineAt(from)}`);
    return source.length;
  };

  while (i < source.length) {
    const c = source[i];
    if (source.startsWith('<#', i)) {
      const end = source.indexOf('#>', i + 2);
      if (end < 0) { problems.push(`unclosed <# comment from line ${lineAt(i)}`); break; }
      comments.push(source.slice(i + 2, end));
      code += keepNewlines(source.slice(i, end + 2));
      i = end + 2;
      continue;
    }
    if (c === '#') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      code += keepNewlines(source.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === '`') { code += source.slice(i, i + 2); i += 2; continue; }
    const here = c === '@' && (source[i + 1] === '"' || source[i + 1] === "'") && source[i + 2] === '\n';
    if (here || c === '"' || c === "'") {
      const quote = here ? source[i + 1] : c;
      const start = i + (here ? 2 : 1);
      const end = quote === '"' ? endOfDoubleQuoted(start, here) : endOfSingleQuoted(start, here);
      strings.push(source.slice(start, end - (here ? 2 : 1)));
      code += "''" + keepNewlines(source.slice(i, end)).slice(2);
      i = end;
      continue;
    }
    code += c;
    i += 1;
  }

  const stack: Array<{ ch: string; line: number }> = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  code.split('\n').forEach((text, n) => {
    for (const ch of text) {
      if (ch === '(' || ch === '{' || ch === '[') stack.push({ ch, line: n + 1 });
      else if (ch in pairs) {
        const open = stack.pop();
        if (!open || open.ch !== pairs[ch]) problems.push(`'${ch}' on line ${n + 1} closes ${open ? `'${open.ch}' from line ${open.line}` : 'nothing'}`);
      }
    }
  });
  for (const open of stack) problems.push(`'${open.ch}' from line ${open.line} is never closed`);
  return { code, problems, strings, comments };
}

export interface PsCall { command: string; parameters: string[]; line: number; text: string }

/**
 * Every call of `command` in the code (comments and strings excluded) with the names of the
 * parameters written after it on the same line, up to a pipe, `;` or closing bracket.
 * A splatted call (`@args`) lists `@args` as a parameter.
 */
export function callsOf(code: string, command: string): PsCall[] {
  const out: PsCall[] = [];
  code.split('\n').forEach((text, n) => {
    let from = 0;
    for (;;) {
      const at = text.indexOf(command, from);
      if (at < 0) break;
      from = at + command.length;
      const before = text[at - 1];
      const after = text[from];
      if ((before && /[\w-]/.test(before)) || (after && /[\w-]/.test(after))) continue;
      const args = argumentsText(text.slice(from));
      const parameters = [...args.matchAll(/(?:^|\s)(-[A-Za-z]+|@[A-Za-z]\w*)/g)].map((m) => m[1]!.replace(/^-/, ''));
      out.push({ command, parameters, line: n + 1, text: text.trim() });
    }
  });
  return out;
}

/** The text of a call's arguments: up to a pipe or `;` outside brackets, or an unmatched closing bracket. */
function argumentsText(rest: string): string {
  let depth = 0;
  for (let j = 0; j < rest.length; j += 1) {
    const c = rest[j]!;
    if (c === '(' || c === '{' || c === '[') depth += 1;
    else if (c === ')' || c === '}' || c === ']') {
      if (depth === 0) return rest.slice(0, j);
      depth -= 1;
    } else if ((c === '|' || c === ';') && depth === 0) return rest.slice(0, j);
  }
  return rest;
}
