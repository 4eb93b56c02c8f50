// What every library's run shares: the settings handed over by the driver, the result lines,
// the checks made outside the library (did the message reach Meta, what did the POST carry),
// and the HTTP receiver that feeds each webhook POST to the library's own handling.
//
// Nothing here is library code under test: it only observes. The library gets the base URL and
// the token, and its own webhook handling gets the raw POST; everything else is the harness
// asking Switchboard's and the emulator's side what happened.

import http from 'node:http';
import { createHash } from 'node:crypto';

const REQUIRED = ['SB_BASE_URL', 'SB_API_VERSION', 'SB_TOKEN', 'SB_PHONE_NUMBER_ID', 'SB_WABA_ID',
  'SB_DISPLAY_PHONE_NUMBER', 'SB_WEBHOOK_SECRET', 'SB_USER_PREFIX', 'EMULATOR_URL'];

/** The settings the driver passes in the environment. */
export function settings() {
  const missing = REQUIRED.filter((k) => !process.env[k]);
  if (missing.length) {
    throw new Error(`missing environment: ${missing.join(', ')}`);
  }
  return {
    baseUrl: process.env.SB_BASE_URL.replace(/\/+$/, ''),
    apiVersion: process.env.SB_API_VERSION,
    token: process.env.SB_TOKEN,
    phoneNumberId: process.env.SB_PHONE_NUMBER_ID,
    wabaId: process.env.SB_WABA_ID,
    displayPhoneNumber: process.env.SB_DISPLAY_PHONE_NUMBER,
    webhookSecret: process.env.SB_WEBHOOK_SECRET,
    userPrefix: process.env.SB_USER_PREFIX,
    emulatorUrl: process.env.EMULATOR_URL.replace(/\/+$/, ''),
    only: process.env.SB_ONLY ? new Set(process.env.SB_ONLY.split(',')) : null,
  };
}

// The driver reads only the lines that start with these markers; libraries may log what they like.

/** The scenarios this run will report on, before the first one starts. */
export function plan(library, scenarios) {
  process.stdout.write(`CONFORMANCE-PLAN ${JSON.stringify({ library, scenarios })}\n`);
}

/** One line per scenario: outcome pass, fail or unsupported, and why. */
export function report(library, scenario, outcome, detail, ms) {
  process.stdout.write(`CONFORMANCE-RESULT ${JSON.stringify({ library, scenario, outcome, detail: detail ?? '', ms })}\n`);
}

/** A failure with a definite cause: waiting longer would not change it. */
export class Definite extends Error {}

export function check(condition, message) {
  if (!condition) {
    throw new Definite(message);
  }
}

/** Polls {@code probe} until it returns something other than undefined; it may throw Definite to stop early. */
export async function eventually(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** Runs {@code fn} with a deadline; a scenario that hangs fails instead of stalling the run. */
export async function withTimeout(ms, fn) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`scenario did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function describe(e) {
  if (e == null) {
    return String(e);
  }
  const text = e.detail ?? e.message ?? String(e);
  return String(text).replace(/\s+/g, ' ').slice(0, 600);
}

export function sha256Hex(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The outside world: Switchboard's native API and the emulator's control API, for observation and setup. */
export class World {
  constructor(cfg) {
    this.cfg = cfg;
    this.nextUser = 0;
  }

  /** A user (E.164 digits) no other scenario of this run has used: no shared windows, orders or pacing. */
  freshUser() {
    this.nextUser += 1;
    return this.cfg.userPrefix + String(this.nextUser).padStart(6, '0');
  }

  async json(method, url, headers, body) {
    const res = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    return parsed;
  }

  /** The user writes to the business (emulator inbound): opens the 24 h window; returns Meta's wamid. */
  async userWrites(from, name, type, content) {
    const body = { phone_number_id: this.cfg.phoneNumberId, from, name, type, [type]: content };
    const r = await this.json('POST', `${this.cfg.emulatorUrl}/_emulator/inbound`, {}, body);
    return r.messages[0].id;
  }

  /** Makes the tenant's webhook endpoint point at {@code url}. */
  async registerWebhook(url) {
    return this.json('PUT', `${this.cfg.baseUrl}/v1/webhook-endpoint`, { Authorization: `Bearer ${this.cfg.token}` },
      { url, secret: this.cfg.webhookSecret, statuses: 'all', messages: true, account: true });
  }

  async sbMessage(id) {
    return this.json('GET', `${this.cfg.baseUrl}/v1/messages/${encodeURIComponent(id)}`,
      { Authorization: `Bearer ${this.cfg.token}` });
  }

  async emulatorMessages() {
    const r = await this.json('GET',
      `${this.cfg.emulatorUrl}/_emulator/messages?phone_number_id=${this.cfg.phoneNumberId}&limit=1000`, {});
    return r.data;
  }

  /**
   * Waits until the message Switchboard accepted as {@code id} for {@code to} has reached Meta
   * (the emulator), and returns the body Meta received. Fails at once when Switchboard reports
   * the message failed (with Meta's or its own reason).
   */
  async reachedMeta(id, to, timeoutMs = 10_000) {
    check(typeof id === 'string' && id.length > 0, `the library returned no message id (${JSON.stringify(id)})`);
    return eventually(`message ${id} to ${to} reaching Meta`, timeoutMs, async () => {
      const atMeta = (await this.emulatorMessages()).filter((m) => m.to === to);
      if (atMeta.length === 1) {
        return atMeta[0].body;
      }
      check(atMeta.length < 2, `Meta received ${atMeta.length} messages for ${to}, expected one`);
      const m = await this.sbMessage(id);
      check(!['FAILED', 'EXPIRED', 'CANCELLED'].includes(m.state),
        `Switchboard reports the message ${m.state}: ${JSON.stringify(m.last_error ?? null)}`);
      return undefined;
    });
  }
}

/** Every message and status a webhook body carries, read independently of any library. */
export function eventsIn(raw) {
  const out = { messages: [], statuses: [] };
  let doc;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    return out;
  }
  for (const entry of doc?.entry ?? []) {
    for (const change of entry?.changes ?? []) {
      const value = change?.value ?? {};
      for (const m of value.messages ?? []) {
        out.messages.push(m);
      }
      for (const s of value.statuses ?? []) {
        out.statuses.push(s);
      }
    }
  }
  return out;
}

/**
 * The tenant's webhook endpoint: a node:http server that hands every POST, as raw bytes with its
 * headers, to the library's webhook handling ({@code handle}) and records what the library said
 * (signature verified or not, which messages and statuses reached its handlers) next to what the
 * POST carried.
 *
 * <p>It answers 200 to everything, even when the library rejected the signature: a 4xx would make
 * Switchboard retry, hold the conversation's later events behind it and trip the endpoint's
 * circuit breaker, so one scenario's failure would leak into the next. The verdict is taken from
 * what the library said, never from the HTTP answer.
 */
export class Receiver {
  constructor(handle) {
    this.handle = handle;
    this.posts = [];
    this.server = http.createServer((req, res) => this.onRequest(req, res));
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${this.server.address().port}/whatsapp/webhook`;
  }

  async onRequest(req, res) {
    const chunks = [];
    for await (const c of req) {
      chunks.push(c);
    }
    const raw = Buffer.concat(chunks);
    const post = { raw, carried: eventsIn(raw), verified: false, error: null, messages: [], statuses: [] };
    if (req.method === 'POST') {
      try {
        const r = await this.handle(raw, req.headers);
        Object.assign(post, { verified: r.verified, error: r.error ?? null, messages: r.messages ?? [], statuses: r.statuses ?? [] });
      } catch (e) {
        post.error = `the library's webhook handling threw: ${describe(e)}`;
      }
      this.posts.push(post);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  }

  /**
   * Waits for the library to hand its handler the event that {@code carries} recognises in a
   * POST's raw events and {@code got} recognises among what the library delivered. Fails early
   * with the reason when the POST that carried it was refused by the library's signature check,
   * made the library throw, or was verified but the event never reached a handler.
   */
  async awaitEvent(what, kind, carries, got, timeoutMs = 10_000) {
    return eventually(what, timeoutMs, async () => {
      for (const post of this.posts) {
        if (!post.carried[kind].some(carries)) {
          continue;
        }
        const delivered = post[kind].find(got);
        if (delivered && post.verified) {
          return delivered;
        }
        check(post.verified, `the library's signature check rejected the POST that carried ${what}`
          + `${post.error ? ` (${post.error})` : ''}`);
        check(!post.error, `${what}: ${post.error}`);
        check(delivered, `the library's handlers did not see ${what}: the verified POST carried`
          + ` ${post.carried.messages.length} message(s) and ${post.carried.statuses.length} status(es),`
          + ` the handlers got ${post.messages.length} and ${post.statuses.length}`);
      }
      return undefined;
    });
  }

  async close() {
    this.server.closeAllConnections?.();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
