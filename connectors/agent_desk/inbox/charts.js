// Tiny inline SVG charts: a sparkline for the frustration trend and horizontal bars.

import { svg } from "./dom.js";

/** A 0..1 sparkline with dots; the last point is emphasised. */
export function sparkline(values, { width = 160, height = 40, label = "Trend", testid } = {}) {
  const points = values.filter((v) => typeof v === "number");
  const chart = svg("svg", {
    class: "sparkline", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${label}: ${points.map((v) => v.toFixed(2)).join(", ") || "no data"}`, testid,
  });
  const pad = 4;
  const x = (i) => pad + (points.length > 1 ? (i * (width - 2 * pad)) / (points.length - 1) : (width - 2 * pad) / 2);
  const y = (v) => height - pad - Math.max(0, Math.min(1, v)) * (height - 2 * pad);
  chart.append(svg("line", { class: "sparkline-mid", x1: pad, x2: width - pad, y1: y(0.5), y2: y(0.5) }));
  if (points.length > 1) {
    chart.append(svg("polyline", {
      class: "sparkline-line", points: points.map((v, i) => `${x(i)},${y(v)}`).join(" "),
    }));
  }
  points.forEach((v, i) => {
    chart.append(svg("circle", {
      class: i === points.length - 1 ? "sparkline-dot last" : "sparkline-dot",
      cx: x(i), cy: y(v), r: i === points.length - 1 ? 3.5 : 2,
    }, svg("title", {}, v.toFixed(2))));
  });
  return chart;
}

/** Horizontal bars: rows [{label, value, note?}]; `format` writes the value at the bar's end. */
export function barChart(rows, { label = "Chart", format = String, testid, width = 420 } = {}) {
  const barHeight = 22;
  const gap = 6;
  const labelWidth = 150;
  const valueWidth = 64;
  const height = Math.max(1, rows.length) * (barHeight + gap);
  const max = Math.max(0, ...rows.map((row) => row.value || 0));
  const chart = svg("svg", {
    class: "bar-chart", width, height, viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: "xMinYMin meet", role: "img", testid,
    "aria-label": `${label}: ${rows.map((r) => `${r.label} ${format(r.value)}`).join("; ") || "no data"}`,
  });
  if (!rows.length) {
    chart.append(svg("text", { x: 0, y: barHeight * 0.7, class: "bar-empty" }, "No data yet"));
    return chart;
  }
  rows.forEach((row, index) => {
    const top = index * (barHeight + gap);
    const span = width - labelWidth - valueWidth;
    const length = max > 0 ? Math.max(2, ((row.value || 0) / max) * span) : 2;
    chart.append(svg("g", { class: "bar", "data-label": row.label },
      svg("title", {}, `${row.label}: ${format(row.value)}${row.note ? ` (${row.note})` : ""}`),
      svg("text", { x: labelWidth - 8, y: top + barHeight * 0.7, class: "bar-label", "text-anchor": "end" },
        row.label.length > 22 ? `${row.label.slice(0, 21)}…` : row.label),
      svg("rect", { x: labelWidth, y: top, width: length, height: barHeight, rx: 3, class: "bar-rect" }),
      svg("text", { x: labelWidth + length + 6, y: top + barHeight * 0.7, class: "bar-value" }, format(row.value)),
    ));
  });
  return chart;
}
