/**
 * Hand-written SVG charts: lines (several series, optional log axes) and bars. Each chart is a
 * <figure> whose caption names it, whose SVG is one labelled image, and whose numbers are also
 * in a table under "Data" for screen readers and for copying.
 */
import { compact, count, h, s, uid } from './dom.ts';

export interface Axis {
  label: string;
  log?: boolean;
  min?: number;
  max?: number;
  /** Custom tick positions and labels (e.g. years); otherwise round numbers (powers of ten on a log axis). */
  ticks?: { value: number; label: string }[];
  format?: (value: number) => string;
}

export interface LineSeries {
  name: string;
  points: [number, number][];
  dashed?: boolean;
  /** Index into the palette (class c0..c7). */
  colour: number;
  area?: boolean;
}

export interface Bar {
  x: number;
  value: number;
  label: string;
  colour?: number;
}

export interface ChartSpec {
  title: string;
  summary: string;
  x: Axis;
  y: Axis;
  lines?: LineSeries[];
  bars?: Bar[];
  /** Vertical guides, e.g. where a batch starts. */
  markers?: { x: number; label: string }[];
  table: { head: string[]; rows: (string | number)[][] };
}

const HEIGHT = 240;
const M = { top: 14, right: 14, bottom: 42, left: 58 };

type Scale = (value: number) => number;

function scaleOf(axis: Axis, lo: number, hi: number, from: number, to: number): Scale {
  if (axis.log) {
    const a = Math.log10(Math.max(lo, 1e-9));
    const b = Math.log10(Math.max(hi, lo * 10));
    return (v) => from + ((Math.log10(Math.max(v, lo)) - a) / (b - a || 1)) * (to - from);
  }
  return (v) => from + ((v - lo) / (hi - lo || 1)) * (to - from);
}

/** About `count` round ticks between lo and hi. */
function linearTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= step0) ?? step0;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(Math.max(lo, 1e-9))); 10 ** e <= hi * 1.0001; e++)
    if (10 ** e >= lo * 0.9999) ticks.push(10 ** e);
  return ticks;
}

function extent(values: number[], axis: Axis, zeroBased: boolean): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  let lo = axis.min ?? (finite.length ? Math.min(...finite) : 0);
  let hi = axis.max ?? (finite.length ? Math.max(...finite) : 1);
  if (zeroBased && !axis.log && axis.min === undefined) lo = Math.min(0, lo);
  if (axis.log) {
    lo = axis.min ?? 10 ** Math.floor(Math.log10(Math.max(lo, 1e-9)));
    hi = axis.max ?? 10 ** Math.ceil(Math.log10(Math.max(hi, lo * 10)));
  } else if (lo === hi) {
    hi = lo + 1;
  }
  return [lo, hi];
}

/** Rounds a linear domain out to whole steps, so that the top and bottom lines are ticks. */
function nice(lo: number, hi: number): [number, number] {
  const ticks = linearTicks(lo, hi);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/**
 * The chart drawn at its container's width in SVG units (redrawn when that changes), so that
 * 11-unit text stays 11 pixels on a phone and in a half-width column alike.
 */
export function chart(spec: ChartSpec): HTMLElement {
  const captionId = uid('chart');
  const holder = h('div', { class: 'plot-holder' });
  const lines = spec.lines ?? [];
  const legend =
    lines.length > 1
      ? h(
          'ul',
          { class: 'legend' },
          ...lines.map((line) =>
            h(
              'li',
              {},
              h('span', { class: `swatch c${line.colour}${line.dashed ? ' dashed' : ''}`, 'aria-hidden': 'true' }),
              line.name,
            ),
          ),
        )
      : null;
  const figure = h(
    'figure',
    { class: 'chart' },
    h('figcaption', { id: captionId }, h('strong', {}, spec.title), ' ', h('span', { class: 'muted' }, spec.summary)),
    holder,
    legend,
    h('details', { class: 'data' }, h('summary', {}, 'Data'), dataTable(spec.table.head, spec.table.rows)),
  );
  let drawn = 0;
  const draw = (width: number) => {
    width = Math.round(Math.max(260, width));
    if (Math.abs(width - drawn) < 8) return;
    drawn = width;
    holder.replaceChildren(plot(spec, width, captionId));
  };
  if (typeof ResizeObserver === 'function')
    new ResizeObserver((entries) => draw(entries[0]!.contentRect.width)).observe(holder);
  else draw(640);
  return figure;
}

function plot(spec: ChartSpec, width: number, captionId: string): SVGSVGElement {
  const lines = spec.lines ?? [];
  const bars = spec.bars ?? [];
  const xs = [...lines.flatMap((l) => l.points.map((p) => p[0])), ...bars.map((b) => b.x)];
  const ys = [...lines.flatMap((l) => l.points.map((p) => p[1])), ...bars.map((b) => b.value)];
  const [x0, x1] = bars.length
    ? [spec.x.min ?? Math.min(...xs) - 0.5, spec.x.max ?? Math.max(...xs) + 0.5]
    : extent(xs, spec.x, false);
  let [y0, y1] = extent(ys, spec.y, bars.length > 0 || lines.some((l) => l.area));
  if (!spec.y.log && spec.y.min === undefined && spec.y.max === undefined) [y0, y1] = nice(y0, y1);
  const left = M.left;
  const right = width - M.right;
  const top = M.top;
  const bottom = HEIGHT - M.bottom;
  const x = scaleOf(spec.x, x0, x1, left, right);
  const y = scaleOf(spec.y, y0, y1, bottom, top);
  const fx = spec.x.format ?? compact;
  const fy = spec.y.format ?? compact;

  const svg = s('svg', {
    viewBox: `0 0 ${width} ${HEIGHT}`,
    width,
    height: HEIGHT,
    role: 'img',
    'aria-labelledby': captionId,
    class: 'plot',
  });
  const yTicks =
    spec.y.ticks ?? (spec.y.log ? logTicks(y0, y1) : linearTicks(y0, y1)).map((value) => ({ value, label: fy(value) }));
  for (const tick of yTicks) {
    const py = y(tick.value);
    svg.append(
      s('line', { class: 'grid', x1: left, x2: right, y1: py, y2: py }),
      s('text', { class: 'tick', x: left - 6, y: py + 4, 'text-anchor': 'end' }, tick.label),
    );
  }
  let xTicks =
    spec.x.ticks ??
    (spec.x.log ? logTicks(x0, x1) : linearTicks(x0, x1, Math.max(2, Math.floor(width / 110)))).map((value) => ({
      value,
      label: fx(value),
    }));
  // Keep tick labels apart: about 48 units each.
  const room = Math.max(1, Math.ceil((xTicks.length * 48) / (right - left)));
  xTicks = xTicks.filter((_, k) => k % room === 0);
  for (const tick of xTicks) {
    const px = x(tick.value);
    if (px < left - 1 || px > right + 1) continue;
    svg.append(
      s('line', { class: 'axis', x1: px, x2: px, y1: bottom, y2: bottom + 4 }),
      s('text', { class: 'tick', x: px, y: bottom + 16, 'text-anchor': 'middle' }, tick.label),
    );
  }
  svg.append(
    s('line', { class: 'axis', x1: left, x2: right, y1: bottom, y2: bottom }),
    s('line', { class: 'axis', x1: left, x2: left, y1: top, y2: bottom }),
    s('text', { class: 'label', x: (left + right) / 2, y: HEIGHT - 6, 'text-anchor': 'middle' }, spec.x.label),
    s(
      'text',
      {
        class: 'label',
        x: 12,
        y: (top + bottom) / 2,
        'text-anchor': 'middle',
        transform: `rotate(-90 12 ${(top + bottom) / 2})`,
      },
      spec.y.label,
    ),
  );

  for (const marker of spec.markers ?? []) {
    const px = x(marker.x);
    svg.append(
      s('line', { class: 'marker', x1: px, x2: px, y1: top, y2: bottom }),
      s('text', { class: 'marker-label', x: px + 3, y: top + 10 }, marker.label),
    );
  }

  if (bars.length) {
    const step = Math.abs(x(bars.length > 1 ? bars[1]!.x : x0 + 1) - x(bars[0]!.x)) || right - left;
    const barWidth = Math.max(1, Math.min(step * 0.8, 64));
    const base = spec.y.log ? y(y0) : y(Math.max(0, y0));
    for (const bar of bars) {
      const py = y(spec.y.log ? Math.max(bar.value, y0) : bar.value);
      svg.append(
        s(
          'rect',
          {
            class: `bar c${bar.colour ?? 0}`,
            x: x(bar.x) - barWidth / 2,
            y: Math.min(py, base),
            width: barWidth,
            height: Math.max(bar.value > 0 ? 1 : 0, Math.abs(base - py)),
          },
          s('title', {}, `${bar.label}: ${fy(bar.value)}`),
        ),
      );
    }
  }

  for (const line of lines) {
    if (line.points.length === 0) continue;
    const path = line.points.map(([px, py], k) => `${k ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join('');
    if (line.area) {
      const first = line.points[0]!;
      const last = line.points.at(-1)!;
      svg.append(
        s('path', {
          class: `area c${line.colour}`,
          d: `${path}L${x(last[0]).toFixed(1)},${bottom}L${x(first[0]).toFixed(1)},${bottom}Z`,
        }),
      );
    }
    svg.append(s('path', { class: `line c${line.colour}${line.dashed ? ' dashed' : ''}`, d: path }));
    if (line.points.length <= 24) {
      for (const [px, py] of line.points)
        svg.append(
          s(
            'circle',
            { class: `dot c${line.colour}`, cx: x(px), cy: y(py), r: 2.5 },
            s('title', {}, `${line.name}: ${fx(px)}, ${fy(py)}`),
          ),
        );
    }
  }
  return svg;
}

export function dataTable(head: string[], rows: (string | number)[][]): HTMLElement {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, ...head.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        ...rows.map((row) =>
          h(
            'tr',
            {},
            ...row.map((cell) =>
              h('td', {}, typeof cell === 'number' ? (Number.isInteger(cell) ? count(cell) : String(cell)) : cell),
            ),
          ),
        ),
      ),
    ),
  );
}
