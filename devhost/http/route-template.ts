/**
 * ASP.NET Core route templates, the syntax of an HTTP trigger's `route`:
 * literals (case-insensitive), `{name}`, `{name?}`, `{name=default}`,
 * `{name:constraint(arg):constraint}`, catch-all `{*name}` / `{**name}`, and complex
 * segments such as `{file}.{ext}`. Pure functions: parse once, match per request.
 */
export type Constraint = (value: string) => boolean;

export interface RouteParameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Constraint[];
}

type Part = { kind: 'literal'; text: string } | { kind: 'param'; param: RouteParameter };

interface Segment { parts: Part[] }

export interface RouteTemplate {
  template: string;
  segments: Segment[];
  /** ASP.NET inbound precedence digits: lower matches first. */
  precedence: number[];
}

const INT32 = { min: -2147483648, max: 2147483647 };

function numberArg(args: string[], i: number, constraint: string): number {
  const v = Number(args[i]);
  if (args[i] === undefined || !Number.isFinite(v)) throw new Error(`route constraint ${constraint} needs numeric arguments`);
  return v;
}

/** The inline constraints ASP.NET Core registers by default. */
function makeConstraint(name: string, args: string[]): Constraint {
  const isInt = (v: string) => /^[+-]?\d+$/.test(v.trim());
  const isNum = (v: string) => v.trim() !== '' && Number.isFinite(Number(v));
  switch (name.toLowerCase()) {
    case 'int': return (v) => isInt(v) && Number(v) >= INT32.min && Number(v) <= INT32.max;
    case 'long': return (v) => isInt(v) && BigInt(v.trim()) >= -(2n ** 63n) && BigInt(v.trim()) < 2n ** 63n;
    case 'bool': return (v) => /^(true|false)$/i.test(v.trim());
    case 'guid': return (v) => /^(\{)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}(\})?$/i.test(v.trim());
    case 'alpha': return (v) => /^[a-z]*$/i.test(v);
    case 'double': case 'float': case 'decimal': return isNum;
    case 'datetime': return (v) => !Number.isNaN(Date.parse(v));
    case 'required': return (v) => v !== '';
    case 'minlength': { const n = numberArg(args, 0, name); return (v) => v.length >= n; }
    case 'maxlength': { const n = numberArg(args, 0, name); return (v) => v.length <= n; }
    case 'length': {
      const a = numberArg(args, 0, name);
      const b = args.length > 1 ? numberArg(args, 1, name) : a;
      return (v) => v.length >= a && v.length <= b;
    }
    case 'min': { const n = numberArg(args, 0, name); return (v) => isInt(v) && Number(v) >= n; }
    case 'max': { const n = numberArg(args, 0, name); return (v) => isInt(v) && Number(v) <= n; }
    case 'range': {
      const a = numberArg(args, 0, name); const b = numberArg(args, 1, name);
      return (v) => isInt(v) && Number(v) >= a && Number(v) <= b;
    }
    case 'regex': {
      // RegexRouteConstraint: case-insensitive, not anchored unless the pattern anchors itself.
      const re = new RegExp(args.join(','), 'i');
      return (v) => re.test(v);
    }
    default: throw new Error(`unknown route constraint "${name}"`);
  }
}

/** Splits `name:c1(a):c2` into the name part and constraints, keeping `:` inside parentheses. */
function parseParameter(inner: string, template: string): RouteParameter {
  let catchAll = false;
  // Braces inside a parameter (regex quantifiers) are written doubled: `{{2}}`.
  let body = inner.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
  if (body.startsWith('**')) { catchAll = true; body = body.slice(2); } else if (body.startsWith('*')) { catchAll = true; body = body.slice(1); }
  // `{name:c1(arg):c2=default}` or `{name?}`: the default follows the first `=` outside parentheses.
  let defaultValue: string | undefined;
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '=' && depth === 0) { defaultValue = body.slice(i + 1); body = body.slice(0, i); break; }
  }
  let optional = false;
  if (body.endsWith('?')) { optional = true; body = body.slice(0, -1); }
  const pieces: string[] = [];
  let cur = '';
  depth = 0;
  for (const ch of body) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ':' && depth === 0) { pieces.push(cur); cur = ''; continue; }
    cur += ch;
  }
  pieces.push(cur);
  const head = pieces.shift() ?? '';
  const name = head.trim();
  if (!/^[A-Za-z_][\w]*$/.test(name)) throw new Error(`invalid route parameter "{${inner}}" in "${template}"`);
  const constraints = pieces.map((p) => {
    const m = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(p);
    if (!m || !m[1]) throw new Error(`invalid route constraint "${p}" in "${template}"`);
    const args = m[2] === undefined ? [] : m[1].toLowerCase() === 'regex' ? [m[2]] : m[2].split(',');
    return makeConstraint(m[1], args);
  });
  return { name, optional: optional || catchAll, catchAll, defaultValue, constraints };
}

function parseSegment(text: string, template: string): Segment {
  const parts: Part[] = [];
  let i = 0;
  let literal = '';
  while (i < text.length) {
    const ch = text[i];
    if (ch === '{' && text[i + 1] === '{') { literal += '{'; i += 2; continue; }
    if (ch === '}' && text[i + 1] === '}') { literal += '}'; i += 2; continue; }
    if (ch === '{') {
      // Find the matching close brace, allowing parentheses (regex constraints) inside.
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        const c = text[j];
        if (c === '(') depth++;
        else if (c === ')') depth--;
        else if (c === '}' && depth <= 0) break;
      }
      if (j >= text.length) throw new Error(`unclosed "{" in route "${template}"`);
      if (literal) { parts.push({ kind: 'literal', text: literal }); literal = ''; }
      parts.push({ kind: 'param', param: parseParameter(text.slice(i + 1, j), template) });
      i = j + 1;
      continue;
    }
    literal += ch;
    i++;
  }
  if (literal) parts.push({ kind: 'literal', text: literal });
  return { parts };
}

function precedenceDigit(seg: Segment): number {
  if (seg.parts.length > 1) return 2;
  const p = seg.parts[0];
  if (!p || p.kind === 'literal') return 1;
  if (p.param.catchAll) return 5;
  return p.param.constraints.length > 0 ? 3 : 4;
}

export function parseRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^~?\/+/, '').replace(/\/+$/, '');
  const segments = trimmed === '' ? [] : trimmed.split('/').map((s) => {
    if (s === '') throw new Error(`empty segment in route "${template}"`);
    return parseSegment(s, template);
  });
  return { template, segments, precedence: segments.map(precedenceDigit) };
}

/** Orders templates as ASP.NET does: more specific (lower precedence digits) first. */
export function comparePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const n = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < n; i++) {
    const x = a.precedence[i] ?? 0;
    const y = b.precedence[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function decode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

function accept(param: RouteParameter, value: string, out: Record<string, string>): boolean {
  if (!param.constraints.every((c) => c(value))) return false;
  out[param.name] = value;
  return true;
}

/**
 * Matches a path (without the route prefix, percent-encoded as received) against a
 * template. Returns the route values, or undefined when it does not match.
 */
export function matchRoute(route: RouteTemplate, path: string): Record<string, string> | undefined {
  const trimmed = path.replace(/^\/+/, '').replace(/\/$/, '');
  const rawSegments = trimmed === '' ? [] : trimmed.split('/');
  const values: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const seg = route.segments[i] as Segment;
    const first = seg.parts[0];
    if (seg.parts.length === 1 && first?.kind === 'param' && first.param.catchAll) {
      const rest = rawSegments.slice(i).map(decode).join('/');
      if (rest === '') {
        if (first.param.defaultValue !== undefined) values[first.param.name] = first.param.defaultValue;
        return values;
      }
      return accept(first.param, rest, values) ? values : undefined;
    }
    const raw = rawSegments[i];
    if (raw === undefined) {
      // Missing trailing segments match only optional / defaulted parameters.
      if (seg.parts.length !== 1 || first?.kind !== 'param') return undefined;
      const p = first.param;
      if (p.defaultValue !== undefined) { values[p.name] = p.defaultValue; continue; }
      if (p.optional) continue;
      return undefined;
    }
    if (seg.parts.length === 1 && first) {
      if (first.kind === 'literal') {
        if (decode(raw).toLowerCase() !== first.text.toLowerCase()) return undefined;
        continue;
      }
      if (!accept(first.param, decode(raw), values)) return undefined;
      continue;
    }
    // Complex segment: literals anchor the parameters between them.
    const re = new RegExp('^' + seg.parts.map((p) => (p.kind === 'literal' ? escapeRegex(p.text) : '(.+?)')).join('') + '$', 'i');
    const m = re.exec(decode(raw));
    if (!m) return undefined;
    let g = 1;
    for (const p of seg.parts) {
      if (p.kind !== 'param') continue;
      if (!accept(p.param, m[g++] ?? '', values)) return undefined;
    }
  }
  if (rawSegments.length > route.segments.length) return undefined;
  return values;
}
