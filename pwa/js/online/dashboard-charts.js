// Charts of the dashboard: small hand-written SVG, no library.
//
// Why not a chart library: the PWA has no build step and a strict Content-Security-Policy
// (no inline style, no eval); the charts needed are bars and a line over at most 36 months,
// and every chart has a table beside it anyway. Chart.js or uPlot would add 50 to 200 KB,
// draw on a canvas (invisible to screen readers and to the browser's text zoom) and need a
// bundler or an import map for their dependencies. These 150 lines give crisp SVG that
// follows the theme's colours (CSS variables, dark mode included), scales with the page, and
// whose bars are real focusable buttons: the drill-down works with a keyboard.

import { h } from "../views/dom.js";

const NS = "http://www.w3.org/2000/svg";

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {...(Node | string)} children
 */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child);
  return el;
}

/**
 * @typedef {object} Bar
 * @property {string} label  short label under the bar ("janv.")
 * @property {number | null} value  null: no value (drawn as a gap, said "—")
 * @property {number | null} [line]  a second series drawn as a line (e.g. rolling 12 months)
 * @property {string} text  the value as the table shows it ("98,3 %")
 * @property {string} title  what a screen reader and the tooltip say ("janvier 2026 : 98,3 %")
 * @property {() => void} [onSelect]  drill-down
 */

/**
 * A bar chart over months, with an optional line, in a <figure> whose caption is the question
 * the chart answers.
 * @param {{title: string, bars: Bar[], max?: number, unit?: string, barLabel?: string,
 *   lineLabel?: string, testid?: string}} props
 * @returns {HTMLElement}
 */
export function barChart({ title, bars, max, unit = "", barLabel, lineLabel, testid }) {
  // Drawn at about the size shown, so that its text stays readable on a phone.
  const width = Math.round(Math.max(320, Math.min(640, window.innerWidth - 64)));
  const height = 240;
  const left = 44;
  const bottom = 30;
  const top = 12;
  const plotH = height - bottom - top;
  const values = bars.flatMap((b) => [b.value ?? 0, b.line ?? 0]);
  const top_ = max ?? niceMax(Math.max(0, ...values));
  const slot = (width - left - 8) / Math.max(bars.length, 1);
  const y = (v) => top + plotH - (Math.max(0, v) / (top_ || 1)) * plotH;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "chart",
    role: "group",
    "aria-label": title,
  });
  for (const tick of [0, 0.5, 1]) {
    const v = top_ * tick;
    chart.append(
      svg("line", { x1: left, x2: width - 4, y1: y(v), y2: y(v), class: "grid" }),
      svg("text", { x: left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, fmtTick(v, unit)),
    );
  }
  const every = Math.ceil(bars.length / (width < 480 ? 6 : 12));
  bars.forEach((bar, i) => {
    const x = left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    if (bar.value !== null && bar.value !== undefined) {
      const rect = svg("rect", {
        x,
        y: y(bar.value),
        width: w,
        height: Math.max(1, top + plotH - y(bar.value)),
        class: bar.onSelect ? "bar link" : "bar",
      });
      const group = svg("g", bar.onSelect ? { tabindex: 0, role: "button", "aria-label": bar.title } : {}, rect);
      group.append(svg("title", {}, bar.title));
      if (bar.onSelect) {
        const select = bar.onSelect;
        group.addEventListener("click", select);
        group.addEventListener("keydown", (event) => {
          const key = /** @type {KeyboardEvent} */ (event).key;
          if (key === "Enter" || key === " ") {
            event.preventDefault();
            select();
          }
        });
      }
      chart.append(group);
    }
    if (i % every === 0) {
      chart.append(
        svg("text", { x: x + w / 2, y: height - 10, class: "axis", "text-anchor": "middle" }, bar.label),
      );
    }
  });
  const points = bars
    .map((b, i) => (b.line === null || b.line === undefined ? null : [left + i * slot + slot / 2, y(b.line)]))
    .filter(Boolean);
  if (points.length > 1) {
    chart.append(svg("polyline", { points: points.map((p) => p.join(",")).join(" "), class: "line" }));
  }
  for (const p of points) chart.append(svg("circle", { cx: p[0], cy: p[1], r: 3, class: "dot" }));
  const legend = lineLabel
    ? h(
        "p",
        { class: "legend" },
        h("span", { class: "key bar-key", "aria-hidden": "true" }),
        ` ${barLabel ?? title} `,
        h("span", { class: "key line-key", "aria-hidden": "true" }),
        ` ${lineLabel}`,
      )
    : null;
  return h(
    "figure",
    { class: "chart-box", "data-testid": testid ?? "chart" },
    h("figcaption", {}, title),
    chart,
    legend,
  );
}

/**
 * Horizontal bars for a few categories (cash per stage…).
 * @param {{title: string, items: {label: string, value: number, text: string,
 *   onSelect?: () => void}[]}} props
 */
export function hBars({ title, items }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return h(
    "figure",
    { class: "chart-box" },
    h("figcaption", {}, title),
    h(
      "ul",
      { class: "hbars" },
      ...items.map((item) => {
        const fill = h("span", { class: "hbar-fill" });
        // CSSOM, not a style attribute: allowed by the CSP (style-src 'self').
        fill.style.width = `${Math.round((item.value / max) * 100)}%`;
        return h(
          "li",
          {},
          h("span", { class: "hbar-label" }, item.label),
          h("span", { class: "hbar-track", "aria-hidden": "true" }, fill),
          h("span", { class: "hbar-value" }, item.text),
        );
      }),
    ),
  );
}

/** @param {number} v */
function niceMax(v) {
  if (v <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (v <= step * power) return step * power;
  return 10 * power;
}

/** @param {number} v @param {string} unit */
function fmtTick(v, unit) {
  if (unit === "%") return `${Math.round(v * 100)} %`;
  if (unit === "€") return v >= 1000 ? `${Math.round(v / 1000)} k€` : `${Math.round(v)} €`;
  return new Intl.NumberFormat(document.documentElement.lang || "fr", { maximumFractionDigits: 1 }).format(v);
}
