import type nock from "nock";
import type { FakeSlack, SlackCall } from "./slack.js";

/**
 * A Slack workspace behind the FakeSlack's token check, for the look-up methods `bender doctor` uses, answered
 * as Slack's reference documents them (docs.slack.dev/reference/methods/…): each needs its scope, else
 * `{ok: false, error: "missing_scope", needed, provided}`; unknown IDs get `channel_not_found` /
 * `user_not_found`; a private channel is visible only to a member; all answers are HTTP 200.
 */
export interface Workspace {
  /** The bot token's scopes. */
  readonly scopes: readonly string[];
  readonly channels: readonly { id: string; name: string; isPrivate?: boolean; isMember: boolean }[];
  readonly users: readonly { id: string; name: string; deleted?: boolean }[];
  readonly groups: readonly { id: string; handle: string; disabled?: boolean }[];
}

type Answer = [number, unknown];

function missingScope(workspace: Workspace, needed: string): Answer | undefined {
  if (workspace.scopes.includes(needed)) return undefined;
  return [200, { ok: false, error: "missing_scope", needed, provided: workspace.scopes.join(",") }];
}

function channelJson(channel: Workspace["channels"][number]) {
  return { id: channel.id, name: channel.name, is_channel: true, is_private: channel.isPrivate ?? false, is_archived: false, is_member: channel.isMember };
}

/** conversations.info: `channels:read` for a public channel, `groups:read` for a private one. */
function conversationsInfo(workspace: Workspace, call: SlackCall): Answer {
  const channel = workspace.channels.find((candidate) => candidate.id === call.args.channel);
  if (!channel || (channel.isPrivate && !channel.isMember)) return missingScope(workspace, "channels:read") ?? [200, { ok: false, error: "channel_not_found" }];
  return missingScope(workspace, channel.isPrivate ? "groups:read" : "channels:read") ?? [200, { ok: true, channel: channelJson(channel) }];
}

/** conversations.list: each requested type needs its scope; private channels are listed to members only. */
function conversationsList(workspace: Workspace, call: SlackCall): Answer {
  const types = String(call.args.types ?? "public_channel").split(",");
  for (const [type, scope] of [["public_channel", "channels:read"], ["private_channel", "groups:read"]] as const) {
    if (types.includes(type)) {
      const refused = missingScope(workspace, scope);
      if (refused) return refused;
    }
  }
  const visible = workspace.channels.filter((channel) => (channel.isPrivate ? types.includes("private_channel") && channel.isMember : types.includes("public_channel")));
  return [200, { ok: true, channels: visible.map(channelJson), response_metadata: { next_cursor: "" } }];
}

function usersInfo(workspace: Workspace, call: SlackCall): Answer {
  const refused = missingScope(workspace, "users:read");
  if (refused) return refused;
  const user = workspace.users.find((candidate) => candidate.id === call.args.user);
  return user ? [200, { ok: true, user: { id: user.id, name: user.name, deleted: user.deleted ?? false, is_bot: false } }] : [200, { ok: false, error: "user_not_found" }];
}

function usergroupsList(workspace: Workspace, call: SlackCall): Answer {
  const refused = missingScope(workspace, "usergroups:read");
  if (refused) return refused;
  const includeDisabled = call.args.include_disabled === true || call.args.include_disabled === "true";
  const groups = workspace.groups.filter((group) => includeDisabled || !group.disabled);
  return [200, { ok: true, usergroups: groups.map((group) => ({ id: group.id, team_id: "T0ACME0001", handle: group.handle, name: group.handle, date_delete: group.disabled ? 1764255600 : 0 })) }];
}

const METHODS: Record<string, (workspace: Workspace, call: SlackCall) => Answer> = {
  "conversations.info": conversationsInfo,
  "conversations.list": conversationsList,
  "users.info": usersInfo,
  "usergroups.list": usergroupsList,
};

/** Expects `times` calls of a look-up method, answered from `workspace` (after the fake's token check). */
export function expectLookup(fake: FakeSlack, workspace: Workspace, method: keyof typeof METHODS, times = 1): nock.Scope {
  const answer = METHODS[method];
  if (!answer) throw new Error(`no workspace answer for ${method}`);
  return fake.expect(method, { times, reply: (call) => answer(workspace, call) });
}
