// One handoff: transcript, context panel, actions, reply and internal notes.

import { h } from "./dom.js";
import { sparkline } from "./charts.js";
import {
  channelParts, clock, humanise, isoOf, reasonLabel, score, signalValue, statusLabel, toMillis,
} from "./format.js";
import { customerName } from "./queue.js";

const OPEN = new Set(["queued", "assigned"]);

/** A transcript turn from the API, the context package or a live event, in one shape. */
export function normaliseTurn(turn) {
  const handoffAgent = turn.agent || turn.metadata?.handoff_agent || null;
  let sender = turn.sender;
  if (!sender) sender = turn.event === "user" ? "customer" : handoffAgent ? "agent" : "bot";
  const media = turn.media || turn.metadata?.media || null;
  let text = turn.text ?? "";
  // A photo or voice note reaches Rasa as an intent message (/send_media{...}): show the caption.
  if (media && /^\/\w+/.test(text)) text = (typeof media === "object" && media.caption) || "";
  return {
    sender,
    text,
    at: toMillis(turn.timestamp ?? turn.at),
    agentName: handoffAgent?.name || handoffAgent?.display_name || turn.agent_name || null,
    media,
    intent: turn.intent?.name || turn.intent || null,
    frustration: typeof turn.frustration === "number" ? turn.frustration : turn.frustration?.score,
    failed: Boolean(turn.failed || turn.delivery === "failed" || turn.status === "failed"),
    messageId: turn.message_id || turn.id || null,
  };
}

function sameTurn(a, b) {
  return a.sender === b.sender && a.text === b.text
    && (a.at === null || b.at === null || Math.abs(a.at - b.at) < 5000);
}

/** The server's transcript plus live turns it does not have yet, with failed deliveries marked. */
export function mergeTranscript(detail, liveTurns, failures) {
  const turns = (detail.transcript || detail.context?.transcript || []).map(normaliseTurn);
  for (const live of liveTurns) if (!turns.some((turn) => sameTurn(turn, live))) turns.push(live);
  for (const failure of failures) {
    const candidates = [...turns].reverse().filter((turn) => turn.sender !== "customer" && !turn.failed
      && ((failure.messageId && turn.messageId === failure.messageId) || turn.text === failure.text));
    const match = candidates.find((turn) => turn.sender === "agent") || candidates[0];
    if (match) match.failed = true;
    else if (failure.text) turns.push({ ...failure, sender: "agent", failed: true });
  }
  return turns.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
}

function senderName(turn, detail) {
  if (turn.sender === "customer") return customerName(detail);
  if (turn.sender === "agent") return turn.agentName || "Agent";
  return "Bot";
}

function mediaReference(media) {
  if (typeof media !== "object") return String(media);
  const where = typeof media.latitude === "number" ? `${media.latitude}, ${media.longitude}` : null;
  const parts = [media.kind || media.type || "attachment", media.mime_type, media.file_name, where];
  const ref = media.id || media.file_id || media.url;
  return `${parts.filter(Boolean).join(" · ")}${ref ? ` (ref ${ref})` : ""}`;
}

function transcriptView(turns, detail) {
  // Not aria-live: the list is redrawn on every event; new customer words are announced apart.
  return h("ol", { class: "transcript", testid: "transcript", "aria-label": "Conversation transcript",
                   tabindex: 0 },
    turns.map((turn) => h("li", {
      class: `turn from-${turn.sender}${turn.failed ? " failed" : ""}`, testid: "turn",
      dataset: { sender: turn.sender },
    },
      h("div", { class: "turn-head" },
        h("span", { class: "turn-sender", testid: "turn-sender" }, senderName(turn, detail)),
        turn.at ? h("time", { class: "turn-time", testid: "turn-time", datetime: isoOf(turn.at) },
          clock(turn.at)) : null),
      turn.text ? h("p", { class: "turn-text", testid: "turn-text" }, turn.text) : null,
      turn.media ? h("p", { class: "turn-media", testid: "turn-media" },
        h("span", { "aria-hidden": "true" }, "📎 "), mediaReference(turn.media)) : null,
      turn.sender === "customer" && (turn.intent || typeof turn.frustration === "number")
        ? h("p", { class: "turn-meta" }, [
          turn.intent ? `intent ${turn.intent}` : null,
          typeof turn.frustration === "number" ? `frustration ${score(turn.frustration)}` : null,
        ].filter(Boolean).join(" · ")) : null,
      turn.failed ? h("p", { class: "turn-failed", testid: "turn-failed", role: "status" },
        "⚠ Not delivered to the customer") : null,
    )));
}

function signalOf(context, name) {
  return (context.signals || []).find((item) => item.name === name)?.value;
}

/** {score, values, trend}: the latest frustration score and its recent history. */
export function frustrationOf(context, turns) {
  const given = context.frustration || {};
  let values = Array.isArray(given.trend) ? given.trend
    : signalOf(context, "frustration_trend")
    || turns.filter((t) => t.sender === "customer" && typeof t.frustration === "number").map((t) => t.frustration);
  values = (values || []).map(Number).filter((v) => !Number.isNaN(v));
  const latest = typeof given.score === "number" ? given.score
    : signalOf(context, "frustration_score") ?? values[values.length - 1];
  let trend = typeof given.trend === "string" ? given.trend : "steady";
  if (typeof given.trend !== "string" && values.length > 1) {
    const delta = values[values.length - 1] - values[0];
    trend = delta > 0.1 ? "rising" : delta < -0.1 ? "falling" : "steady";
  }
  return { score: typeof latest === "number" ? latest : null, values, trend };
}

function field(label, value, testid) {
  return [h("dt", {}, label), h("dd", { testid }, value === null || value === undefined || value === "" ? "–" : value)];
}

function contextPanel(detail, turns) {
  const context = detail.context || {};
  const intake = context.intake || {};
  const intent = context.intent || {};
  const frustration = frustrationOf(context, turns);
  const [icon, channel] = channelParts(detail.channel || context.channel);
  const intakeRows = Object.entries(intake).filter(([key, value]) => key !== "declined" && value);
  return h("aside", { class: "context-panel", testid: "context-panel", "aria-label": "Context" },
    h("h2", {}, "Context"),
    h("section", {}, h("h3", {}, "Summary"),
      h("p", { testid: "context-summary" }, context.summary || detail.summary || "No summary.")),
    h("section", {}, h("h3", {}, "Reason"),
      h("p", {}, h("span", { class: `badge reason reason-${detail.reason}`, testid: "context-reason",
                            dataset: { reason: detail.reason } }, reasonLabel(detail.reason))),
      h("ul", { class: "signals", testid: "context-signals" },
        (context.signals || []).map((item) => h("li", { testid: "context-signal", dataset: { name: item.name } },
          h("span", { class: "signal-name" }, humanise(item.name)), " ",
          h("span", { class: "signal-value" }, signalValue(item.value)))))),
    h("section", {}, h("h3", {}, "Intake"),
      h("dl", { testid: "context-intake" },
        intakeRows.map(([key, value]) => field(humanise(key), signalValue(value), `intake-${key}`)),
        intake.declined?.length ? field("declined", intake.declined.map(humanise).join(", "), "intake-declined") : null,
        !intakeRows.length && !intake.declined?.length ? field("collected", "nothing") : null)),
    h("section", { testid: "context-frustration" }, h("h3", {}, "Frustration"),
      h("p", {}, h("strong", { testid: "frustration-score" }, score(frustration.score)), " ",
        h("span", { class: `trend trend-${frustration.trend}`, testid: "frustration-trend" }, frustration.trend)),
      frustration.values.length ? sparkline(frustration.values, { label: "Frustration trend", testid: "frustration-chart" }) : null),
    h("section", {}, h("h3", {}, "Details"),
      h("dl", {},
        field("intent guess", intent.name ? `${intent.name}${typeof intent.confidence === "number"
          ? ` (${Math.round(intent.confidence * 100)}%)` : ""}` : null, "context-intent"),
        field("channel", `${icon} ${channel}`, "context-channel"),
        field("language", detail.language || context.language, "context-language"),
        field("team", detail.team, "context-team"),
        field("customer", customerName(detail), "context-customer"),
        context.route?.why?.length ? field("routed", context.route.why.join("; "), "context-route") : null)),
  );
}

function notesView(detail) {
  const notes = detail.notes || [];
  return h("ul", { class: "notes", testid: "notes" },
    notes.map((note) => h("li", { testid: "note" },
      h("span", { class: "note-author" }, note.author || note.agent?.display_name || note.agent?.name || "Note"),
      " ", h("time", { datetime: isoOf(note.created_at) }, clock(note.created_at)),
      h("p", {}, note.text))));
}

function actionBar(detail, { mine, supervisor, teams, agents, onAction }) {
  const open = OPEN.has(detail.status);
  const canClaim = detail.status === "queued" || detail.status === "ticket";
  const canManage = open && (mine || supervisor);
  const picker = h("select", { testid: "transfer-target", "aria-label": "Transfer to", disabled: !canManage },
    h("option", { value: "" }, "Transfer to…"),
    h("optgroup", { label: "Teams" }, teams.map((team) => h("option", { value: `team:${team.name}` },
      team.display_name || team.name))),
    agents.length ? h("optgroup", { label: "Agents" }, agents.map((agent) =>
      h("option", { value: `agent:${agent.id}` }, agent.display_name || agent.username))) : null);
  const outcome = h("select", { testid: "handback-outcome", "aria-label": "Outcome for the bot",
                                disabled: !canManage },
    h("option", { value: "" }, "Outcome…"),
    h("option", { value: "resolved" }, "Resolved"),
    h("option", { value: "not_resolved" }, "Not resolved"),
    h("option", { value: "follow_up" }, "We will follow up"));
  const handBack = () => onAction("handback", outcome.value ? { outcome: outcome.value } : {});
  const transfer = () => {
    const [kind, value] = picker.value.split(/:(.*)/s);
    if (!value) return;
    onAction("transfer", kind === "team" ? { team: value } : { agent_id: value });
  };
  return h("div", { class: "actions", role: "toolbar", "aria-label": "Conversation actions" },
    h("button", { type: "button", class: "primary", testid: "claim-button", disabled: !canClaim,
                  onclick: () => onAction("claim") }, "Claim"),
    picker,
    h("button", { type: "button", testid: "transfer-button", disabled: !canManage, onclick: transfer }, "Transfer"),
    outcome,
    h("button", { type: "button", testid: "handback-button", disabled: !canManage,
                  onclick: handBack }, "Hand back to bot"),
    h("button", { type: "button", class: "danger", testid: "close-button",
                  disabled: !(canManage || (detail.status === "ticket")),
                  onclick: () => onAction("close") }, "Close"));
}

function composer({ testid, label, placeholder, button, enabled, hint, onSubmit }) {
  const input = h("textarea", { id: `${testid}-input`, testid: `${testid}-input`, rows: 2, placeholder,
                                disabled: !enabled, required: true });
  const form = h("form", { class: `composer ${testid}`, testid: `${testid}-form`, onsubmit: async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = ""; // the view may be redrawn while sending: never send the same words twice
    const ok = await onSubmit(text);
    const current = document.getElementById(input.id) || input;
    if (!ok && !current.value) current.value = text;
    current.focus();
  } },
    h("label", { for: `${testid}-input` }, label),
    input,
    h("div", { class: "composer-foot" },
      hint ? h("span", { class: "hint" }, hint) : h("span"),
      h("button", { type: "submit", testid: `${testid}-send`, disabled: !enabled }, button)));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  return form;
}

/** Render the whole conversation view for `detail` into `root`. */
export function renderConversation(root, detail, options) {
  const { me, liveTurns = [], failures = [], onReply, onNote } = options;
  const supervisor = ["supervisor", "admin"].includes(me?.role);
  const mine = detail.status === "assigned" && detail.assigned_agent?.id === me?.id;
  const turns = mergeTranscript(detail, liveTurns, failures);
  const assigned = detail.assigned_agent;
  root.replaceChildren(
    h("section", { class: "conversation", testid: "conversation", "aria-label": "Conversation",
                   dataset: { handoffId: detail.id, status: detail.status } },
      h("header", { class: "conversation-head" },
        h("h2", { testid: "conversation-customer", title: detail.conversation_id }, customerName(detail)),
        h("span", { class: `badge status status-${detail.status}`, testid: "conversation-status",
                   dataset: { status: detail.status } }, statusLabel(detail.status)),
        assigned ? h("span", { testid: "conversation-agent" }, `with ${assigned.display_name || assigned.id}`) : null,
        actionBar(detail, { mine, supervisor, ...options })),
      transcriptView(turns, detail),
      composer({ testid: "reply", label: "Reply to the customer", placeholder: "Type your reply…",
                 button: "Send", enabled: mine, onSubmit: onReply,
                 hint: mine ? "Ctrl+Enter sends" : "Claim the conversation to reply." }),
      h("section", { class: "notes-box", "aria-label": "Internal notes" },
        h("h3", {}, `Internal notes (${(detail.notes || []).length})`),
        notesView(detail),
        composer({ testid: "note", label: "Add an internal note (never sent to the customer)",
                   placeholder: "Note for colleagues…", button: "Add note", enabled: true, onSubmit: onNote }))),
    contextPanel(detail, turns));
  const transcript = root.querySelector(".transcript");
  transcript.scrollTop = transcript.scrollHeight;
}
