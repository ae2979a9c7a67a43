// The desk API client: one place for the base URL, the bearer token and JSON errors.

/** The desk's base URL (…/webhooks/agent_desk/), derived from where this module is served. */
export function deskBaseUrl() {
  return new URL("../", import.meta.url);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class DeskApi {
  constructor(token, base = deskBaseUrl(), onUnauthorised = () => {}) {
    this.token = token;
    this.base = base;
    this.onUnauthorised = onUnauthorised;
  }

  url(path, params) {
    const url = new URL(`api/${path}`, this.base);
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
    }
    return url;
  }

  async request(method, path, { body, params, as } = {}) {
    const headers = { Accept: as === "blob" ? "text/csv, application/json" : "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(this.url(path, params), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, "The desk cannot be reached. Check your connection.");
    }
    if (as === "blob" && response.ok) return response.blob();
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 401 && this.token) this.onUnauthorised();
      throw new ApiError(response.status, payload.error || `${response.status} ${response.statusText}`);
    }
    return payload;
  }

  static async login(username, password, base = deskBaseUrl()) {
    return new DeskApi(null, base).request("POST", "login", { body: { username, password } });
  }

  logout() { return this.request("POST", "logout"); }
  me() { return this.request("GET", "me"); }
  setPresence(status) { return this.request("POST", "me/presence", { body: { status } }); }
  handoffs(statuses) { return this.request("GET", "handoffs", { params: { status: statuses } }); }
  handoff(id) { return this.request("GET", `handoffs/${encodeURIComponent(id)}`); }
  act(id, action, body) {
    return this.request("POST", `handoffs/${encodeURIComponent(id)}/${action}`, { body: body || {} });
  }
  teams() { return this.request("GET", "teams"); }
  agents() { return this.request("GET", "agents"); }
  analytics(since, until) { return this.request("GET", "analytics", { params: { since, until } }); }
  kbGapsCsv(since, until) {
    return this.request("GET", "analytics/kb-gaps.csv", { params: { since, until }, as: "blob" });
  }

  /** Let the event stream in: EventSource sends no headers, so the desk sets an HttpOnly cookie. */
  authoriseEvents() { return this.request("POST", "events/cookie"); }

  /** Open the server-sent event stream; `handlers` maps event names to callbacks(data). */
  events(handlers, { onOpen, onError } = {}) {
    const source = new EventSource(this.url("events"));
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (message) => {
        let data = {};
        try { data = JSON.parse(message.data); } catch (error) { return; }
        handler(data);
      });
    }
    if (onOpen) source.addEventListener("open", onOpen);
    if (onError) source.addEventListener("error", () => onError(source));
    return source;
  }
}
