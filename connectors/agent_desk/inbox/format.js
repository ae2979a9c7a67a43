// Words and numbers as agents read them.

export const REASONS = {
  explicit_request: "Asked for a person",
  frustration: "Frustrated",
  looping: "Bot looping",
  repeated_question: "Repeated question",
  sensitive_topic: "Sensitive topic",
  high_value: "High value",
  low_confidence: "Bot unsure",
};

export const STATUSES = {
  queued: "Waiting",
  assigned: "Assigned",
  ticket: "Ticket",
  resolved: "Resolved",
  handed_back: "Handed back",
  closed: "Closed",
};

const CHANNELS = {
  telegram: ["✈", "Telegram"],
  whatsapp: ["☎", "WhatsApp"],
  rest: ["⌨", "Web chat"],
  socketio: ["⌨", "Web chat"],
};

export function reasonLabel(code) {
  return REASONS[code] || code || "Unknown reason";
}

export function statusLabel(status) {
  return STATUSES[status] || status || "";
}

/** [icon, name] of a channel; the icon is decoration (aria-hidden), the name is the text. */
export function channelParts(channel) {
  return CHANNELS[channel] || ["•", channel || "Unknown channel"];
}

/** "45s", "3m 05s", "1h 02m", "2d 4h". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
}

/** Milliseconds since the epoch from unix seconds, milliseconds or an ISO string; or null. */
export function toMillis(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

/** Local time of a moment; with the date when it is not today. */
export function clock(value) {
  const ms = toMillis(value);
  if (ms === null) return "";
  const date = new Date(ms);
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === new Date().toDateString()) return time;
  return `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
}

export function isoOf(value) {
  const ms = toMillis(value);
  return ms === null ? "" : new Date(ms).toISOString();
}

export function percent(share) {
  return share === null || share === undefined ? "–" : `${(share * 100).toFixed(1)}%`;
}

export function score(value) {
  return typeof value === "number" ? value.toFixed(2) : "–";
}

/** A signal value as short text (objects as compact JSON, lists joined). */
export function signalValue(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((item) => signalValue(item)).join(", ");
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === "object") {
    return Object.entries(value).map(([key, item]) => `${key}: ${signalValue(item)}`).join("; ");
  }
  return String(value);
}

export function humanise(code) {
  return String(code || "").replace(/_/g, " ");
}
