// The queue: every open handoff and ticket the agent may see, newest activity live.

import { h } from "./dom.js";
import { channelParts, duration, reasonLabel, statusLabel, toMillis } from "./format.js";

export const FILTERS = {
  open: { label: "Open", keep: (handoff) => handoff.status !== "ticket" },
  mine: { label: "Mine", keep: (handoff, me) => handoff.assigned_agent?.id === me?.id },
  queued: { label: "Waiting", keep: (handoff) => handoff.status === "queued" },
  ticket: { label: "Tickets", keep: (handoff) => handoff.status === "ticket" },
};

/** routing.default_queue's default: the queue of customers without a tier, shown without a badge. */
export const DEFAULT_QUEUE = "standard";

/** The handoff's desk queue when it is not the default one (an enterprise tier's), else null. */
export function specialQueue(handoff) {
  return handoff.queue && handoff.queue !== DEFAULT_QUEUE ? handoff.queue : null;
}

/** When the customer started waiting, in this browser's clock (server wait time if given). */
export function waitingSince(handoff, loadedAt) {
  if (typeof handoff.wait_seconds === "number") return loadedAt - handoff.wait_seconds * 1000;
  return toMillis(handoff.created_at) ?? loadedAt;
}

/** The customer's display name as their channel reported it, else the conversation id. */
export function customerName(handoff) {
  const customer = handoff.customer || handoff.context?.customer || {};
  return customer.name || customer.id || handoff.conversation_id || "Customer";
}

/** Whether routing offers this queued handoff to the signed-in agent (least busy, right skills). */
export function offeredToMe(handoff, me) {
  return handoff.status === "queued" && !!me && handoff.offered_to?.id === me.id;
}

function queueItem(handoff, { selected, loadedAt, onSelect, me }) {
  const [icon, channel] = channelParts(handoff.channel);
  const offered = offeredToMe(handoff, me);
  const since = waitingSince(handoff, loadedAt);
  const ticking = handoff.status === "queued";
  const position = handoff.queue_position;
  const queue = specialQueue(handoff);
  return h("li", { class: "queue-row" },
    h("button", {
      type: "button",
      class: `queue-item status-${handoff.status}${selected ? " selected" : ""}${offered ? " offered" : ""}`,
      testid: "queue-item", "aria-current": selected ? "true" : null,
      dataset: { handoffId: handoff.id, status: handoff.status },
      onclick: () => onSelect(handoff.id),
    },
      h("span", { class: "queue-line" },
        h("strong", { class: "queue-customer", testid: "queue-customer",
                     title: handoff.conversation_id }, customerName(handoff)),
        h("span", { class: "queue-wait", testid: "queue-wait", dataset: ticking ? { since } : {},
                   title: "Waiting time" },
          ticking ? duration((Date.now() - since) / 1000) : statusLabel(handoff.status))),
      h("span", { class: "queue-line" },
        h("span", { class: `badge reason reason-${handoff.reason}`, testid: "queue-reason",
                   dataset: { reason: handoff.reason } }, reasonLabel(handoff.reason)),
        handoff.priority ? h("span", { class: "badge priority", testid: "queue-priority",
                                      title: "Priority" }, `P${handoff.priority}`) : null,
        queue ? h("span", { class: "badge queue", testid: "queue-queue", dataset: { queue },
                           title: "Desk queue (the customer's tier)" }, queue) : null,
        offered ? h("span", { class: "badge offered", testid: "queue-offered",
                             title: "Routing suggests you take this one" }, "Offered to you") : null),
      h("span", { class: "queue-line meta" },
        h("span", { testid: "queue-channel" }, h("span", { "aria-hidden": "true" }, `${icon} `), channel),
        h("span", { testid: "queue-team" }, handoff.team || "no team"),
        position ? h("span", { testid: "queue-position" },
          `#${position} in ${queue ? `${queue} ` : ""}queue`) : null,
        handoff.assigned_agent ? h("span", { testid: "queue-agent" },
          `with ${handoff.assigned_agent.display_name || handoff.assigned_agent.id}`) : null),
      handoff.summary ? h("span", { class: "queue-summary" }, handoff.summary) : null,
    ));
}

/** Render the queue into `list`; returns how many handoffs are shown. */
export function renderQueue(list, handoffs, { filter, me, selectedId, loadedAt, onSelect }) {
  const keep = FILTERS[filter]?.keep || (() => true);
  // What is offered to this agent comes first; otherwise the desk's order (priority, then age).
  const shown = handoffs.filter((handoff) => keep(handoff, me))
    .map((handoff, index) => ({ handoff, index }))
    .sort((a, b) => (offeredToMe(b.handoff, me) - offeredToMe(a.handoff, me)) || (a.index - b.index))
    .map(({ handoff }) => handoff);
  list.replaceChildren(...shown.map((handoff) =>
    queueItem(handoff, { selected: handoff.id === selectedId, loadedAt, onSelect, me })));
  if (!shown.length) {
    list.append(h("li", { class: "empty", testid: "queue-empty" }, "Nothing waiting here."));
  }
  return shown.length;
}

/** Advance every ticking wait time (called once a second). */
export function tickWaits(root) {
  for (const el of root.querySelectorAll("[data-since]")) {
    el.textContent = duration((Date.now() - Number(el.dataset.since)) / 1000);
  }
}
