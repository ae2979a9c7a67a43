// The agent desk's web inbox: log in, watch the queue live, take a conversation, hand it back.
// Plain ES modules, no build step; every piece of text goes through dom.js (no innerHTML).

import { ApiError, DeskApi } from "./api.js";
import { byTestId, h } from "./dom.js";
import { renderAnalytics } from "./analytics.js";
import { normaliseTurn, renderConversation } from "./conversation.js";
import { FILTERS, customerName, renderQueue, tickWaits } from "./queue.js";
import { reasonLabel } from "./format.js";

const TOKEN_KEY = "agentDesk.token";
const STATUSES = "queued,assigned,ticket";
const TITLE = "Agent desk — Northwind Home";
const POLL_MS = 30000;

const state = {
  api: null, me: null, events: null, handoffs: [], loadedAt: Date.now(), filter: "open",
  selectedId: null, detail: null, liveTurns: [], failures: [], teams: [], agents: [],
  unseen: 0, tab: "inbox", analyticsDays: 7, timers: [], refresh: null,
};

const $ = (id) => document.getElementById(id);

// ---- notifications -------------------------------------------------------------------------

function toast(message, { kind = "info", onclick } = {}) {
  const item = h("div", { class: `toast ${kind}`, testid: "toast", role: kind === "error" ? "alert" : "status" },
    h("span", {}, message),
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"));
  if (onclick) {
    item.classList.add("clickable");
    item.addEventListener("click", (event) => { if (!event.target.closest(".toast-close")) { onclick(); item.remove(); } });
  }
  $("toasts").append(item);
  setTimeout(() => item.remove(), kind === "error" ? 12000 : 8000);
}

/** Say `message` to screen readers (a visually hidden live region). */
function announce(message) {
  const region = $("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 50);
}

function updateTitle() {
  document.title = state.unseen ? `(${state.unseen}) ${TITLE}` : TITLE;
  const waiting = state.handoffs.filter((handoff) => handoff.status === "queued").length;
  byTestId("queue-count").textContent = waiting ? String(waiting) : "";
}

function markSeen() {
  state.unseen = 0;
  updateTitle();
}

function desktopNotify(title, body) {
  if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
  try { new Notification(title, { body, tag: "agent-desk" }); } catch (error) { /* unsupported */ }
}

// ---- login / logout ------------------------------------------------------------------------

function showLogin(message) {
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  const error = byTestId("login-error");
  error.textContent = message || "";
  error.hidden = !message;
  byTestId("login-username").focus();
}

async function onLogin(event) {
  event.preventDefault();
  const button = byTestId("login-submit");
  button.disabled = true;
  try {
    const { token, agent } = await DeskApi.login(byTestId("login-username").value.trim(),
      byTestId("login-password").value);
    sessionStorage.setItem(TOKEN_KEY, token);
    byTestId("login-password").value = "";
    await start(token, agent, { goOnline: true });
  } catch (error) {
    showLogin(error.status === 401 ? "Wrong username or password." : error.message);
  } finally {
    button.disabled = false;
  }
}

function stop() {
  state.events?.close();
  state.timers.forEach(clearInterval);
  Object.assign(state, { api: null, me: null, events: null, timers: [], selectedId: null, detail: null,
                         handoffs: [], liveTurns: [], failures: [], unseen: 0 });
  sessionStorage.removeItem(TOKEN_KEY);
  updateTitle();
}

async function logout() {
  try { await state.api?.logout(); } catch (error) { /* the session ends here anyway */ }
  stop();
  showLogin("You are logged out.");
}

function sessionEnded() {
  if (!state.api) return;
  stop();
  showLogin("Your session has ended. Please log in again.");
}

// ---- start ---------------------------------------------------------------------------------

async function start(token, agent, { goOnline = false } = {}) {
  state.api = new DeskApi(token, undefined, sessionEnded);
  if (!agent) {
    const me = await state.api.me();
    agent = me.agent || me;
  }
  if (!agent?.id) throw new ApiError(401, "not logged in");
  state.me = agent;
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  byTestId("agent-name").textContent = `${state.me.display_name || state.me.username} (${state.me.role || "agent"})`;
  const presence = byTestId("presence-select");
  presence.value = goOnline ? "online" : state.me.presence || state.me.status || "online";
  if (goOnline) state.api.setPresence("online").catch(() => {});
  renderFilters();
  connectEvents();
  await Promise.all([loadQueue(), loadDirectories()]);
  state.timers.push(setInterval(() => tickWaits($("queue-list")), 1000));
  state.timers.push(setInterval(() => loadQueue().catch(() => {}), POLL_MS));
  showTab(state.tab);
}

async function loadDirectories() {
  const supervisor = ["supervisor", "admin"].includes(state.me?.role);
  const [teams, agents] = await Promise.allSettled([
    state.api.teams(), supervisor ? state.api.agents() : Promise.resolve({ agents: [] }),
  ]);
  const list = (result, key) => (result.status === "fulfilled"
    ? (Array.isArray(result.value) ? result.value : result.value[key] || []) : []);
  state.teams = list(teams, "teams").map((team) => (typeof team === "string" ? { name: team } : team));
  state.agents = list(agents, "agents").filter((agent) => agent.id !== state.me?.id);
}

// ---- queue ---------------------------------------------------------------------------------

function renderFilters() {
  const group = $("queue-filters");
  group.replaceChildren(...Object.entries(FILTERS).map(([key, filter]) => h("button", {
    type: "button", class: key === state.filter ? "chip active" : "chip", testid: `filter-${key}`,
    "aria-pressed": key === state.filter ? "true" : "false",
    onclick: () => { state.filter = key; renderFilters(); drawQueue(); },
  }, filter.label)));
}

function drawQueue() {
  renderQueue($("queue-list"), state.handoffs, {
    filter: state.filter, me: state.me, selectedId: state.selectedId, loadedAt: state.loadedAt,
    onSelect: selectHandoff,
  });
  updateTitle();
}

async function loadQueue() {
  if (!state.api) return;
  const { handoffs } = await state.api.handoffs(STATUSES);
  state.handoffs = handoffs || [];
  state.loadedAt = Date.now();
  drawQueue();
}

// ---- one conversation ----------------------------------------------------------------------

async function selectHandoff(id) {
  if (state.selectedId !== id) Object.assign(state, { liveTurns: [], failures: [], detail: null });
  state.selectedId = id;
  markSeen();
  showTab("inbox");
  drawQueue();
  await loadDetail();
}

async function loadDetail() {
  const id = state.selectedId;
  if (!id || !state.api) return;
  try {
    const detail = await state.api.handoff(id);
    if (state.selectedId === id) {
      state.detail = detail;
      drawDetail();
    }
  } catch (error) {
    toast(`Could not open the conversation: ${error.message}`, { kind: "error" });
  }
}

function drawDetail() {
  const root = $("conversation-root");
  const sameConversation = root.firstElementChild?.dataset?.handoffId === state.detail.id;
  const kept = {};
  let scroll = null; // keep the agent's place in the transcript unless they were at the end
  if (sameConversation) {
    for (const id of ["reply-input", "note-input", "transfer-target"]) kept[id] = byTestId(id, root)?.value || "";
    kept.focus = document.activeElement?.dataset?.testid;
    const old = byTestId("transcript", root);
    if (old && old.scrollHeight - old.scrollTop - old.clientHeight > 40) scroll = old.scrollTop;
  }
  renderConversation(root, state.detail, {
    me: state.me, teams: state.teams, agents: state.agents,
    liveTurns: state.liveTurns, failures: state.failures,
    onAction: act, onReply: (text) => send("messages", text), onNote: (text) => send("notes", text),
  });
  for (const [id, value] of Object.entries(kept)) {
    const input = id !== "focus" && byTestId(id, root);
    if (input && !input.disabled) input.value = value;
  }
  if (kept.focus) byTestId(kept.focus, root)?.focus();
  if (scroll !== null) byTestId("transcript", root).scrollTop = scroll;
}

const DONE = {
  claim: "You have the conversation; the customer is told you joined.",
  transfer: "Transferred.",
  handback: "Handed back: the bot answers the customer again.",
  close: "Conversation closed.",
};

async function act(action, body) {
  const id = state.selectedId;
  try {
    const result = await state.api.act(id, action, body);
    toast(DONE[action] || "Done.");
    if (result && result.id === id && result.status) state.detail = { ...state.detail, ...result };
  } catch (error) {
    toast(error.message, { kind: "error" });
  }
  await Promise.all([loadQueue(), loadDetail()]);
}

async function send(kind, text) {
  try {
    await state.api.act(state.selectedId, kind, { text });
    await loadDetail();
    return true;
  } catch (error) {
    toast(kind === "notes" ? `Note not saved: ${error.message}` : `Reply not sent: ${error.message}`, { kind: "error" });
    return false;
  }
}

// ---- live events ---------------------------------------------------------------------------

function scheduleRefresh({ queue = true, detail = false } = {}) {
  const pending = state.refresh || { queue: false, detail: false };
  pending.queue ||= queue;
  pending.detail ||= detail;
  if (state.refresh) return;
  state.refresh = pending;
  setTimeout(() => {
    const { queue: q, detail: d } = state.refresh;
    state.refresh = null;
    if (q) loadQueue().catch(() => {});
    if (d) loadDetail();
  }, 150);
}

function concernsSelected(event) {
  return Boolean(state.selectedId) && (event.handoff_id === state.selectedId
    || (state.detail && event.conversation_id === state.detail.conversation_id && !event.handoff_id));
}

function handoffName(event) {
  const known = state.handoffs.find((handoff) => handoff.id === event.handoff_id);
  return known ? customerName(known) : customerName(event.data || {});
}

const HANDLERS = {
  "handoff.opened": (event) => {
    state.unseen += 1;
    const data = event.data || {};
    const text = `New handoff: ${customerName(data)} · ${reasonLabel(data.reason)}`
      + `${event.team ? ` · ${event.team}` : ""}`;
    toast(text, { onclick: () => selectHandoff(event.handoff_id) });
    desktopNotify("New handoff", text);
    scheduleRefresh();
  },
  "handoff.claimed": (event) => scheduleRefresh({ detail: concernsSelected(event) }),
  "handoff.transferred": (event) => {
    const agentId = event.data?.assigned_agent?.id || event.data?.agent_id;
    if (agentId && agentId === state.me?.id) toast(`${handoffName(event)} was transferred to you.`);
    scheduleRefresh({ detail: concernsSelected(event) });
  },
  "handoff.closed": (event) => scheduleRefresh({ detail: concernsSelected(event) }),
  "message.customer": (event) => {
    if (concernsSelected(event)) {
      const turn = normaliseTurn({ ...event.data, sender: "customer" });
      state.liveTurns.push(turn);
      announce(`${handoffName(event)}: ${turn.text || "sent an attachment"}`);
      if (state.detail) drawDetail();
      scheduleRefresh({ queue: false, detail: true });
    } else if (state.handoffs.some((h) => h.id === event.handoff_id && h.assigned_agent?.id === state.me?.id)) {
      toast(`New message from ${handoffName(event)}`, { onclick: () => selectHandoff(event.handoff_id) });
      desktopNotify("New customer message", handoffName(event));
    }
  },
  // The NLU's reading of a relayed message (intent, frustration): the transcript reloads.
  "message.analysed": (event) => {
    if (concernsSelected(event)) scheduleRefresh({ queue: false, detail: true });
  },
  "message.agent": (event) => {
    if (!concernsSelected(event)) return;
    state.liveTurns.push(normaliseTurn(event.data || {}));
    if (state.detail) drawDetail();
  },
  "message.failed": (event) => {
    const data = event.data || {};
    const why = data.reason || data.error;
    toast(`A message to ${handoffName(event)} could not be delivered${why ? `: ${why}` : "."}`,
      { kind: "error" });
    if (!concernsSelected(event)) return;
    state.failures.push({ text: data.text, messageId: data.message_id || null,
                          at: normaliseTurn(data).at ?? Date.now(), agentName: data.agent?.name || null });
    if (state.detail) drawDetail();
    scheduleRefresh({ queue: false, detail: true });
  },
  "note.added": (event) => scheduleRefresh({ queue: false, detail: concernsSelected(event) }),
};

function setConnection(live) {
  const badge = byTestId("connection");
  badge.textContent = live ? "Live" : "Reconnecting…";
  badge.dataset.state = live ? "live" : "down";
}

async function connectEvents(delay = 2000) {
  state.events?.close();
  state.events = null;
  setConnection(false);
  const api = state.api;
  const attempt = (state.eventsAttempt = (state.eventsAttempt || 0) + 1);
  const current = () => state.api === api && state.eventsAttempt === attempt;
  const retry = () => setTimeout(() => { if (current()) connectEvents(Math.min(delay * 2, 30000)); }, delay);
  try {
    await api.authoriseEvents(); // the stream's cookie: no token in its URL
  } catch (error) {
    if (current() && error.status !== 401) retry(); // 401 logs out
    return;
  }
  if (!current()) return;
  const source = api.events(HANDLERS, {
    onOpen: () => { setConnection(true); scheduleRefresh({ detail: Boolean(state.selectedId) }); },
    onError: (closed) => {
      setConnection(false);
      if (closed.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      setTimeout(async () => {
        if (!current() || state.events !== closed) return;
        try { await api.me(); connectEvents(Math.min(delay * 2, 30000)); } catch (error) { /* 401 logs out */ }
      }, delay);
    },
  });
  state.events = source;
}

// ---- tabs ----------------------------------------------------------------------------------

async function loadAnalytics() {
  const root = $("analytics-view");
  const onPeriod = (days) => { state.analyticsDays = days; loadAnalytics(); };
  renderAnalytics(root, { days: state.analyticsDays, onPeriod });
  const since = new Date(Date.now() - state.analyticsDays * 86400000).toISOString();
  const onDownload = async () => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await state.api.kbGapsCsv(since));
    link.download = "kb-gaps.csv";
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  };
  try {
    const report = await state.api.analytics(since);
    renderAnalytics(root, { report, days: state.analyticsDays, onPeriod, onDownload });
  } catch (error) {
    renderAnalytics(root, { error: error.message, days: state.analyticsDays, onPeriod });
  }
}

function showTab(tab) {
  state.tab = tab;
  for (const name of ["inbox", "analytics"]) {
    const selected = name === tab;
    byTestId(`tab-${name}`).setAttribute("aria-selected", String(selected));
    $(`${name}-view`).hidden = !selected;
  }
  if (tab === "analytics") loadAnalytics();
}

// ---- wiring --------------------------------------------------------------------------------

function wire() {
  byTestId("login-form").addEventListener("submit", onLogin);
  byTestId("logout-button").addEventListener("click", logout);
  byTestId("tab-inbox").addEventListener("click", () => showTab("inbox"));
  byTestId("tab-analytics").addEventListener("click", () => showTab("analytics"));
  byTestId("presence-select").addEventListener("change", async (event) => {
    try {
      await state.api.setPresence(event.target.value);
      toast(`You are ${event.target.value}.`);
    } catch (error) {
      toast(`Presence not changed: ${error.message}`, { kind: "error" });
    }
  });
  const notify = byTestId("notify-button");
  if (!("Notification" in window) || Notification.permission !== "default") notify.hidden = true;
  notify.addEventListener("click", async () => {
    notify.hidden = (await Notification.requestPermission()) !== "default";
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) markSeen(); });
}

async function boot() {
  wire();
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showLogin();
  try {
    await start(token);
  } catch (error) {
    stop();
    showLogin(error.status === 401 ? "Your session has ended. Please log in again." : error.message);
  }
}

boot();
