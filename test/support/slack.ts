/**
 * Slack's side of the Slack integration tests: Bender's settings for a
 * workspace, requests signed and shaped as Slack sends them (block_actions
 * and view_submission as a form field `payload`, slash commands as form
 * fields), and a recording fake of the Web API behind nock, one interceptor
 * per expected call, so a call no test expected fails it (see
 * `watchUnexpected`) and an expected one that never came fails it too.
 */
import { createHmac } from "node:crypto";
import nock from "nock";
import { afterEach, expect } from "vitest";
import type { types } from "@slack/bolt";
import type { Settings, SlackSettings } from "../../src/server/settings.js";
import { encodeButtonValue } from "../../src/slack/blocks/index.js";
import type { ButtonValue } from "../../src/slack/model.js";
import { ACTION_DISMISS, ACTION_PIN, ACTION_UNPIN, VIEW_UNPIN } from "../../src/slack/model.js";
import { startBender } from "./bender-server.js";
import type { RunningBender, StartOptions } from "./bender-server.js";
import { expectInstallationToken } from "./fake-github.js";
import type { FakePullRequest, FakeRepository } from "./fake-github.js";
import { expectRepositoryInstallation } from "./manifests.js";

export const SLACK_HOST = "https://slack.com";
export const SIGNING_SECRET = "8f742231b10e8888abcd99ab12cd85a5";
export const SLACK_SETTINGS: SlackSettings = { botToken: "xoxb-test", signingSecret: SIGNING_SECRET, appToken: undefined, apiUrl: "https://slack.com/api/" };

/** The fixed clock Bender's messages are drawn with. */
export const NOW = new Date("2025-06-03T16:00:00.000Z");
export const now = (): Date => NOW;

/** The channel ID Slack answers for the config's `#deploys`. */
export const CHANNEL = "C0DEPLOYS1";
/** People: two approvers by ID, a member of the approver group, someone else. */
export const OWEN = "U0OWEN0001";
export const PRIYA = "U0PRIYA001";
export const GROUP_MEMBER = "U0GROUP001";
export const STRANGER = "U0STRANGE1";
export const GROUP = "S0APPROVE1";

/**
 * A config whose production environment posts to #deploys, with the
 * approvers given (a YAML value); undefined: production has no `slack`
 * block, so nobody may act on it from Slack.
 */
export function slackConfig(approvers: string | undefined, extra = ""): string {
  const slack = approvers === undefined ? "" : `    slack:\n      channel: "#deploys"\n      approvers: ${approvers}\n`;
  return `environments:\n  production:\n    paths: [clusters/prod]\n${extra}${slack}`;
}

/**
 * What a fresh server asks GitHub before its first Slack action on the
 * repository: the installation (App JWT), a token, the config. All three are
 * cached after.
 */
export function expectFirstAccess(fake: FakeRepository, installationId = 7): void {
  expectRepositoryInstallation(fake.nameWithOwner, installationId);
  expectInstallationToken(installationId);
  fake.expectGraphql("BenderConfig");
}

/** The labels Bender creates, as the repository would have them after its first proposal. */
export function withBenderLabels(fake: FakeRepository, environments: readonly string[] = ["production"]): FakeRepository {
  for (const name of ["bender", ...environments.map((environment) => `bender/${environment}`)]) fake.labels.set(name, `LA_${name}`);
  return fake;
}

// ---- Requests as Slack sends them ------------------------------------------------

export interface SignOptions {
  /** Seconds since the epoch; Bender's real clock by default. */
  readonly timestamp?: number;
  readonly secret?: string;
  /** A signature to send instead of the right one. */
  readonly signature?: string;
  readonly contentType?: string;
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** POSTs a body to /slack/events, signed as Slack signs it. */
export async function sendToSlackEndpoint(bender: { url: string }, body: string, options: SignOptions = {}): Promise<{ status: number; text: string }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(`${bender.url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": options.contentType ?? "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.signature ?? slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body),
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

let actionCount = 0;

/**
 * The trigger IDs Slack issued with interactions, and when: views.open takes
 * one only once, within 3 seconds (https://docs.slack.dev/interactivity/handling-user-interaction).
 */
const issuedTriggers = new Map<string, { at: number; used: boolean }>();
export const TRIGGER_LIFETIME_MS = 3000;

/** Makes every trigger ID issued so far `ms` older (a person who waited before Bender answered). */
export function ageTriggers(ms: number): void {
  for (const trigger of issuedTriggers.values()) trigger.at -= ms;
}

/**
 * A block_actions payload: `user` pressed the button `actionId` carrying `value` on the message at (channel, ts).
 * `ephemeral`: the button sat in an ephemeral message, whose payload carries no `message` (as Slack sends it).
 */
export function blockActions(input: { user: string; actionId: string; value: string; ts: string; channel?: string; responseUrl?: string; ephemeral?: boolean }): string {
  actionCount += 1;
  issuedTriggers.set(`${actionCount}.1234.trigger`, { at: Date.now(), used: false });
  const payload = {
    type: "block_actions",
    team: { id: "T0ACME0001", domain: "acme" },
    user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: "T0ACME0001" },
    api_app_id: "A0BENDER01",
    token: "legacy-verification-token",
    container: { type: "message", message_ts: input.ts, channel_id: input.channel ?? CHANNEL, is_ephemeral: input.ephemeral ?? false },
    trigger_id: `${actionCount}.1234.trigger`,
    channel: { id: input.channel ?? CHANNEL, name: "deploys" },
    ...(input.ephemeral ? {} : { message: { type: "message", ts: input.ts, text: "a Bender proposal", bot_id: "B0BENDER01" } }),
    response_url: input.responseUrl ?? `https://hooks.slack.com/actions/T0ACME0001/${actionCount}/response`,
    actions: [
      {
        type: "button",
        action_id: input.actionId,
        block_id: "bender_actions",
        value: input.value,
        text: { type: "plain_text", text: "button" },
        action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A modal submitted (the unpin one by default): Bender's private metadata back, with the reason typed (or none). */
export function viewSubmission(input: { user: string; privateMetadata: string; reason?: string | null; callbackId?: string }): string {
  const payload = {
    type: "view_submission",
    team: { id: "T0ACME0001", domain: "acme" },
    user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: "T0ACME0001" },
    api_app_id: "A0BENDER01",
    token: "legacy-verification-token",
    trigger_id: "99.1234.trigger",
    view: {
      id: "V0UNPIN001",
      team_id: "T0ACME0001",
      type: "modal",
      callback_id: input.callbackId ?? VIEW_UNPIN,
      private_metadata: input.privateMetadata,
      state: { values: { reason: { reason_input: { type: "plain_text_input", value: input.reason ?? null } } } },
      hash: "1.hash",
      app_id: "A0BENDER01",
      bot_id: "B0BENDER01",
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A slash command as Slack posts it: form fields. */
export function slashCommand(input: { user: string; text: string; responseUrl: string; channel?: string }): string {
  return new URLSearchParams({
    token: "legacy-verification-token",
    team_id: "T0ACME0001",
    team_domain: "acme",
    channel_id: input.channel ?? CHANNEL,
    channel_name: "deploys",
    user_id: input.user,
    user_name: input.user.toLowerCase(),
    command: "/bender",
    text: input.text,
    api_app_id: "A0BENDER01",
    response_url: input.responseUrl,
    trigger_id: "7.1234.trigger",
  }).toString();
}

/** The value Bender's buttons carry for this PR as the fake has it now (the real encoder). */
export function buttonValueFor(fake: FakeRepository, pullRequest: FakePullRequest, environment = "production", head?: string): string {
  return encodeButtonValue({
    v: 1,
    repository: fake.nameWithOwner,
    number: pullRequest.number,
    head: head ?? pullRequest.mergedWithExpectedHead ?? fake.head(pullRequest.headRefName),
    environment,
  });
}

export const pinAction = ACTION_PIN;
export const dismissAction = ACTION_DISMISS;
export const unpinAction = ACTION_UNPIN;

// ---- The Web API --------------------------------------------------------------

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  /** The token the call carried (Authorization: Bearer, or a `token` field), or undefined. */
  readonly token: string | undefined;
  /** When the request arrived (Date.now()). */
  readonly at: number;
}

export type SlackReply = (call: SlackCall) => [number, unknown, Record<string, string>?];

/** The arguments of a Web API call: form fields (JSON ones — blocks, view — decoded) or a JSON body. */
function argumentsOf(body: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> =
    typeof body === "string" ? Object.fromEntries(new URLSearchParams(body)) : ((body as Record<string, unknown> | undefined) ?? {});
  for (const key of ["blocks", "view", "attachments"]) {
    const value = fields[key];
    if (typeof value === "string") fields[key] = JSON.parse(value);
  }
  return fields;
}

/** The token a Web API request carried: the Authorization header, else a `token` field of the body. */
function tokenOf(headers: Record<string, string | string[] | undefined>, args: Record<string, unknown>): string | undefined {
  const header = headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  const bearer = value?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? (typeof args.token === "string" && args.token !== "" ? args.token : undefined);
}

/** Every FakeSlack of the running test: `slackBenderPerTest` fails a test in which Slack refused a token unexpectedly. */
const fakes: FakeSlack[] = [];

/** Calls Slack refused for their token in this test (and forgets the test's fakes). */
export function unexpectedRefusals(): string[] {
  const refused = fakes.filter((fake) => !fake.refusalsExpected).flatMap((fake) => fake.refused.map((call) => `${call.method} (token ${call.token ?? "none"})`));
  fakes.length = 0;
  return refused;
}

/** The app-level token Bender is given for Socket Mode in tests. */
export const APP_TOKEN = "xapp-1-A0BENDER01-1234-abcdef";

/**
 * A recording fake of Slack's Web API, as strict about tokens as Slack: a
 * call without a token is answered `not_authed`, one with a token Slack does
 * not know `invalid_auth` (both HTTP 200 with `ok: false`, as Slack does).
 * `apps.connections.open` takes the app-level token, every other method the
 * bot token.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** Calls Slack refused for their token: a test fails when any exist (see `expectAllAuthed`). */
  readonly refused: SlackCall[] = [];
  /** Set by a test about a wrong token: its refusals are what it checks, not a failure. */
  refusalsExpected = false;
  #ts = 0;

  constructor(
    readonly botToken = SLACK_SETTINGS.botToken,
    readonly appToken = APP_TOKEN,
  ) {
    fakes.push(this);
  }

  /** Slack's answer to a call's token: undefined when it is the right one. */
  authError(call: SlackCall): { ok: false; error: string } | undefined {
    const wanted = call.method === "apps.connections.open" ? this.appToken : this.botToken;
    if (call.token === undefined) return { ok: false, error: "not_authed" };
    if (call.token !== wanted) return { ok: false, error: "invalid_auth" };
    return undefined;
  }

  /** Records a call and answers it: the token check first, then `reply` or Slack's default answer. */
  private receive(method: string, headers: Record<string, string | string[] | undefined>, body: unknown, reply?: SlackReply): [number, unknown, Record<string, string>?] {
    const args = argumentsOf(body);
    const call: SlackCall = { method, args, token: tokenOf(headers, args), at: Date.now() };
    this.calls.push(call);
    const refusedFor = this.authError(call);
    if (refusedFor) {
      this.refused.push(call);
      return [200, refusedFor];
    }
    const invalid = reply ? undefined : invalidArguments(call);
    if (invalid) return [200, invalid];
    return reply ? reply(call) : [200, this.answer(call)];
  }

  /** What Slack answers by default, per method. */
  answer(call: SlackCall): unknown {
    switch (call.method) {
      case "chat.postMessage":
        return { ok: true, channel: CHANNEL, ts: `1748966400.${String(++this.#ts).padStart(6, "0")}`, message: { text: call.args.text } };
      case "chat.update":
        return { ok: true, channel: call.args.channel, ts: call.args.ts, text: call.args.text };
      case "chat.postEphemeral":
        return { ok: true, message_ts: `1748966500.${String(++this.#ts).padStart(6, "0")}` };
      case "views.open":
        return { ok: true, view: { id: "V0UNPIN001", callback_id: (call.args.view as { callback_id?: string }).callback_id } };
      case "auth.test":
        return { ok: true, url: "https://acme.slack.com/", team: "Acme", user: "bender", team_id: "T0ACME0001", user_id: "U0BENDER01", bot_id: "B0BENDER01" };
      default:
        return { ok: true };
    }
  }

  /** Expects one call of `method` (or `times`), answered by Slack's default or by `reply`. */
  expect(method: string, options: { times?: number; reply?: SlackReply; unreachable?: boolean } = {}): nock.Scope {
    const interceptor = nock(SLACK_HOST)
      .post(`/api/${method}`)
      .times(options.times ?? 1);
    if (options.unreachable) {
      return interceptor.replyWithError(Object.assign(new Error("connect ECONNREFUSED slack.com:443"), { code: "ECONNREFUSED" }));
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const fake = this;
    return interceptor.reply(function (_uri, body) {
      return fake.receive(method, this.req.headers, body, options.reply);
    });
  }

  /** Answers `method` any number of times (at least once unless optional), for tests whose call count is not fixed. */
  allow(method: string, options: { optional?: boolean } = {}): nock.Scope {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const fake = this;
    return nock(SLACK_HOST)
      .persist()
      .post(`/api/${method}`)
      .optionally(options.optional ?? false)
      .reply(function (_uri, body) {
        return fake.receive(method, this.req.headers, body);
      });
  }

  /** Expects the members of a user group to be asked for, once. */
  expectGroup(group: string, users: readonly string[]): nock.Scope {
    return this.expect("usergroups.users.list", {
      reply: (call) => (call.args.usergroup === group ? [200, { ok: true, users }] : [200, { ok: false, error: "no_such_subteam" }]),
    });
  }

  of(method: string): SlackCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Waits (bounded) until `count` calls of `method` arrived; returns them. */
  async waitFor(method: string, count = 1, timeoutMs = 5000): Promise<SlackCall[]> {
    await waitUntil(() => this.of(method).length >= count, `${count} ${method} call(s); got ${this.of(method).length}`, timeoutMs);
    return this.of(method);
  }
}

/**
 * What Slack refuses before doing anything: views.open without a trigger ID
 * it issued, one used already or older than 3 s; Block Kit past its limits
 * (https://docs.slack.dev/reference/block-kit/, https://docs.slack.dev/reference/views/): 50 blocks in a message,
 * 100 in a view, 3,000 characters of section text, 10 section fields of 2,000, 150 of header text, 10 context
 * elements, 75 of button text, 2,000 of button value, 24 of a view's
 * title/submit/close, 3,000 of private_metadata.
 */
function invalidArguments(call: SlackCall): { ok: false; error: string } | undefined {
  const tooLong = (text: unknown, max: number) => typeof text === "string" && text.length > max;
  if (call.method === "views.open") {
    const issued = issuedTriggers.get(String(call.args.trigger_id));
    if (!issued) return { ok: false, error: "invalid_trigger_id" };
    if (issued.used) return { ok: false, error: "exchanged_trigger_id" };
    if (Date.now() - issued.at > TRIGGER_LIFETIME_MS) return { ok: false, error: "expired_trigger_id" };
    issued.used = true;
    const view = call.args.view as { title?: { text?: string }; submit?: { text?: string }; close?: { text?: string }; private_metadata?: string; blocks?: unknown[] };
    const labels = [view.title?.text, view.submit?.text, view.close?.text];
    if (labels.some((text) => tooLong(text, 24)) || tooLong(view.private_metadata, 3000) || (view.blocks ?? []).length > 100 || blocksTooBig(view.blocks)) {
      return { ok: false, error: "invalid_arguments" };
    }
    return undefined;
  }
  const blocks = call.args.blocks as unknown[] | undefined;
  if (blocks && (blocks.length > 50 || blocksTooBig(blocks))) return { ok: false, error: "invalid_blocks" };
  return undefined;
}

function blocksTooBig(blocks: unknown[] | undefined): boolean {
  type Text = { text?: string };
  for (const block of (blocks ?? []) as { type?: string; text?: Text; fields?: Text[]; elements?: { type?: string; text?: Text; value?: string }[] }[]) {
    if (block.type === "section" && (block.text?.text?.length ?? 0) > 3000) return true;
    // A section's fields: 10 at most, 2,000 characters each; a header's text: 150; a context block: 10 elements.
    if (block.type === "section" && block.fields && (block.fields.length > 10 || block.fields.some((field) => (field.text?.length ?? 0) > 2000))) return true;
    if (block.type === "header" && (block.text?.text?.length ?? 0) > 150) return true;
    if (block.type === "context" && (block.elements?.length ?? 0) > 10) return true;
    for (const element of block.type === "actions" ? (block.elements ?? []) : []) {
      if (element.type === "button" && ((element.text?.text?.length ?? 0) > 75 || (element.value?.length ?? 0) > 2000)) return true;
    }
  }
  return false;
}

/** Expects a POST to a response_url (Bolt's `respond`), recording the JSON body. */
export function expectResponseUrl(url: string): { readonly bodies: Record<string, unknown>[]; readonly scope: nock.Scope } {
  const target = new URL(url);
  const bodies: Record<string, unknown>[] = [];
  const scope = nock(target.origin)
    .post(target.pathname)
    .reply((_uri, body) => {
      bodies.push((typeof body === "string" ? JSON.parse(body) : body) as Record<string, unknown>);
      return [200, "ok"];
    });
  return { bodies, scope };
}

// ---- Waiting and watching --------------------------------------------------------

/** Polls `condition` every 10 ms until it holds, failing after `timeoutMs` with `what`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Requests to anything but Bender's own server that nock could not match, collected until `stop`. */
export function watchUnexpected(): { readonly requests: string[]; stop(): void } {
  const requests: string[] = [];
  const listener = (request: { method?: string; hostname?: string; path?: string; options?: { hostname?: string; path?: string } }) => {
    const hostname = request.hostname ?? request.options?.hostname;
    if (hostname === "127.0.0.1") return;
    requests.push(`${request.method ?? "?"} ${hostname ?? "?"}${request.path ?? request.options?.path ?? ""}`);
  };
  nock.emitter.on("no match", listener);
  return { requests, stop: () => nock.emitter.removeListener("no match", listener) };
}

// ---- Reading Block Kit -------------------------------------------------------------

export type Blocks = types.KnownBlock[];

export function blocksOf(call: SlackCall | undefined): Blocks {
  if (!call) throw new Error("no Slack call");
  return (call.args.blocks as Blocks | undefined) ?? [];
}

export function buttonsOf(blocks: Blocks): types.Button[] {
  return blocks.flatMap((block) => (block.type === "actions" ? block.elements.filter((element): element is types.Button => element.type === "button") : []));
}

/** The action IDs of the message's buttons, in order. */
export function actionIds(blocks: Blocks): string[] {
  return buttonsOf(blocks).map((button) => button.action_id ?? "");
}

/** Every button's value, decoded. */
export function buttonValues(blocks: Blocks): ButtonValue[] {
  return buttonsOf(blocks).map((button) => JSON.parse(button.value ?? "null") as ButtonValue);
}

/** The message's mrkdwn and plain text, joined, for wording checks. */
export function textOf(blocks: Blocks): string {
  const texts: string[] = [];
  for (const block of blocks) {
    if (block.type === "header") texts.push(block.text.text);
    if (block.type === "section") {
      if (block.text) texts.push(block.text.text);
      for (const field of block.fields ?? []) texts.push(field.text);
    }
    if (block.type === "context") for (const element of block.elements) if ("text" in element) texts.push(element.text);
  }
  return texts.join("\n");
}

/**
 * For a test file: Bender with Slack for one test at a time. After each test
 * it stops the server and fails the test if any request went where no test
 * expected it (once `watch` was called).
 */
export function slackBenderPerTest(): {
  watch(): void;
  start(settings?: Partial<Settings>, options?: StartOptions): Promise<RunningBender>;
} {
  let running: RunningBender | undefined;
  let unexpected: ReturnType<typeof watchUnexpected> | undefined;
  afterEach(async () => {
    const requests = unexpected?.requests ?? [];
    unexpected?.stop();
    unexpected = undefined;
    await running?.close();
    running = undefined;
    expect(requests, "requests nobody expected").toEqual([]);
    expect(unexpectedRefusals(), "Slack calls refused for their token").toEqual([]);
  });
  return {
    watch() {
      unexpected = watchUnexpected();
    },
    async start(settings = {}, options = {}) {
      running = await startBender({ slack: SLACK_SETTINGS, ...settings }, { slackRetries: 0, now, ...options });
      return running;
    },
  };
}
