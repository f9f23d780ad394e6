/** A few lines instead of a framework: build elements, format numbers. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

function apply(el: Element, attrs: Attrs): void {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked') (el as unknown as Record<string, unknown>)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el: Element, children: Child[]): void {
  for (const child of children)
    if (child !== null && child !== undefined && child !== false)
      el.append(child instanceof Node ? child : String(child));
}

/** An HTML element: h('button', { class: 'x', onclick: f }, 'Label'). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

let ids = 0;
/** A document-unique id for label/for and aria-labelledby pairs. */
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

const integer = new Intl.NumberFormat('en');
const compactFormat = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
export const count = (n: number): string => integer.format(n);
export const compact = (n: number): string => compactFormat.format(n);
export const fixed = (n: number | null | undefined, digits = 4): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
export const percent = (share: number, digits = 1): string => `${(share * 100).toFixed(digits)}%`;

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
export const when = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '–');
const shortDateTime = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
/** "Nov 25, 13:47": for table cells. */
export const shortWhen = (iso: string | null | undefined): string => (iso ? shortDateTime.format(new Date(iso)) : '–');

/** A notice in place of a view's content, e.g. when the service has no database. */
export function notice(title: string, text: string, kind: 'info' | 'error' = 'info'): HTMLElement {
  return h(
    'div',
    { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('strong', {}, title),
    ' ',
    text,
  );
}
