import type { SlackConfig } from "../config/schema.js";
import type { RefusalReason } from "./blocks/index.js";

/** The part of Slack's Web API the approver check uses. */
export interface UsergroupClient {
  usergroups: { users: { list: (arguments_: { usergroup: string }) => Promise<{ ok?: boolean; users?: string[] }> } };
}

export type Authorization = { readonly ok: true } | { readonly ok: false; readonly reason: RefusalReason };

/**
 * Who may pin, dismiss and unpin in an environment: the user IDs and user
 * groups listed as `approvers`, or anyone when the config says `anyone`.
 * Group membership is looked up and cached briefly (Slack's usergroups API is
 * rate limited, and a click must be acknowledged within 3 seconds anyway).
 */
export class Approvers {
  readonly #members = new Map<string, { users: ReadonlySet<string>; at: number }>();

  constructor(
    private readonly client: UsergroupClient,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async authorize(userId: string, environment: string, slack: SlackConfig | undefined, action: "pin" | "unpin" | "dismiss"): Promise<Authorization> {
    const approvers = slack?.approvers;
    if (approvers === undefined) return { ok: false, reason: { kind: "no-slack-approvers", environment } };
    if (approvers === "anyone") return { ok: true };
    if (approvers.includes(userId)) return { ok: true };
    for (const group of approvers.filter((approver) => approver.startsWith("S"))) {
      if ((await this.membersOf(group)).has(userId)) return { ok: true };
    }
    return { ok: false, reason: { kind: "not-an-approver", environment, action, user: userId } };
  }

  private async membersOf(group: string): Promise<ReadonlySet<string>> {
    const cached = this.#members.get(group);
    if (cached && this.now() - cached.at <= this.maxAgeMs) return cached.users;
    const response = await this.client.usergroups.users.list({ usergroup: group });
    const users = new Set(response.users ?? []);
    this.#members.set(group, { users, at: this.now() });
    return users;
  }
}
