// The analytics tab: the handoff report (GET /api/analytics) as figures and inline SVG bars.

import { h } from "./dom.js";
import { barChart } from "./charts.js";
import { duration, humanise, percent, reasonLabel } from "./format.js";

const PERIODS = { 1: "Last 24 hours", 7: "Last 7 days", 30: "Last 30 days", 90: "Last 90 days" };

function figure(label, value, testid) {
  return h("div", { class: "figure", testid }, h("span", { class: "figure-value" }, value),
    h("span", { class: "figure-label" }, label));
}

function breakdownChart(title, rows, testid) {
  return h("section", { class: "chart-card" }, h("h3", {}, title),
    barChart(rows.map((row) => ({
      label: humanise(row.key), value: row.total,
      note: Object.entries(row.reasons || {}).map(([code, n]) => `${reasonLabel(code)} ${n}`).join(", "),
    })), { label: title, testid }));
}

const KINDS = {
  topic: "Topic to answer", out_of_scope: "Out of scope", fallback: "Not understood",
  unknown: "No topic recorded",
};

function examplesList(examples) {
  if (!examples || !examples.length) return null;
  return h("ul", { class: "examples", testid: "learn-next-examples" },
    examples.map((text) => h("li", {}, `“${text}”`)));
}

function learnNextTable(rows) {
  if (!rows.length) return null;
  const cell = (value, number) => h("td", { class: number ? "number" : null }, value);
  return h("table", { class: "learn-next", testid: "learn-next" },
    h("thead", {}, h("tr", {}, ["Kind", "Topic and what customers asked", "Handoffs", "Conversations",
      "Ended with a person", "Reasons"].map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, rows.map((row) => h("tr", { "data-kind": row.kind },
      cell(KINDS[row.kind] || row.kind),
      h("td", {}, h("strong", {}, humanise(row.topic)), examplesList(row.examples)),
      cell(row.handoffs, true), cell(row.conversations, true),
      cell(percent(row.rate), true),
      cell(Object.entries(row.reasons || {}).map(([code, n]) => `${reasonLabel(code)} ${n}`).join(", "))))));
}

/** Render the report (or a loading/error state) into `root`; `onPeriod(days)` reloads. */
export function renderAnalytics(root, { report, error, days, onPeriod, onDownload }) {
  const picker = h("select", { testid: "analytics-period", "aria-label": "Period",
                               onchange: (event) => onPeriod(Number(event.target.value)) },
    Object.entries(PERIODS).map(([value, label]) =>
      h("option", { value, selected: Number(value) === days }, label)));
  const head = h("header", { class: "analytics-head" }, h("h2", {}, "Handoff analytics"), picker);
  if (error) {
    root.replaceChildren(h("section", { class: "analytics", testid: "analytics-view" }, head,
      h("p", { class: "error", role: "alert", testid: "analytics-error" }, error)));
    return;
  }
  if (!report) {
    root.replaceChildren(h("section", { class: "analytics", testid: "analytics-view" }, head,
      h("p", { class: "muted" }, "Loading…")));
    return;
  }
  const totals = report.totals || {};
  const pickup = report.time_to_pickup || {};
  const handling = report.handling_time || {};
  root.replaceChildren(h("section", { class: "analytics", testid: "analytics-view" }, head,
    h("div", { class: "figures" },
      figure(`conversations (${totals.conversations_basis || "known"})`, totals.conversations ?? "–", "figure-conversations"),
      figure("handoffs", totals.handoffs ?? "–", "figure-handoffs"),
      figure("handoff rate", percent(report.handoff_rate), "figure-handoff-rate"),
      figure("handback rate", percent(report.handback_rate), "figure-handback-rate"),
      figure("time to pickup (median / p90)",
        `${duration(pickup.median_seconds)} / ${duration(pickup.p90_seconds)}`, "figure-pickup"),
      figure("handling time (median / p90)",
        `${duration(handling.median_seconds)} / ${duration(handling.p90_seconds)}`, "figure-handling")),
    h("div", { class: "charts" },
      h("section", { class: "chart-card" }, h("h3", {}, "Reasons"),
        barChart(Object.entries(report.reasons || {}).map(([code, count]) =>
          ({ label: reasonLabel(code), value: count })), { label: "Reasons", testid: "chart-reasons" })),
      breakdownChart("By topic", report.by_topic || [], "chart-topics"),
      breakdownChart("By intent", report.by_intent || [], "chart-intents"),
      breakdownChart("By channel", report.by_channel || [], "chart-channels"),
      h("section", { class: "chart-card wide" },
        h("h3", {}, "What the bot should learn next"),
        onDownload ? h("button", { type: "button", class: "secondary", testid: "kb-gaps-csv",
          onclick: onDownload }, "Download CSV") : null,
        h("p", { class: "muted" }, "Topics whose conversations most often end with a person "
          + "(sensitive and high-value handoffs left out: those should reach a person)."),
        barChart((report.learn_next || []).map((row) => ({
          label: humanise(row.topic), value: row.handoffs,
          note: `${percent(row.rate)} of ${row.conversations} conversations`,
        })), { label: "What the bot should learn next", testid: "chart-learn-next" }),
        learnNextTable(report.learn_next || [])))));
}
