/**
 * Builds DOM nodes from data. Text always goes in as text nodes (never markup): subjects,
 * names and every other string from a mail are untrusted, and this is the only way the
 * views put strings on the page. There is deliberately no way to pass HTML here; a mail's
 * HTML body goes to mail-frame.ts (a sandboxed frame).
 */
export type Child = Node | string | number | false | null | undefined | Child[];
type Listener = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | undefined | null | Listener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
      continue;
    }
    // Neither can carry script or markup; refuse them so no caller is tempted.
    if (name === 'style' || name === 'srcdoc' || name.startsWith('on')) throw new Error(`h(): attribute ${name} is not allowed`);
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's content. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let ids = 0;
/** A document-unique id for label/aria references. */
export function uid(prefix: string): string {
  return `${prefix}-${++ids}`;
}
