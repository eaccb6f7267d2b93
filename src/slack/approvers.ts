import type { SlackConfig } from "../config/schema.js";
import type { RefusalReason } from "./blocks/index.js";

/** The part of Slack's Web API the approver check uses. */
export interface UsergroupClient {
  usergroups: { users: { list: (arguments_: { usergroup: string }) => Promise<{ ok?: boolean; users?: string[] }> } };
}

type Members = ReadonlySet<string> | "no such group";

export type Authorization = { readonly ok: true } | { readonly ok: false; readonly reason: RefusalReason };

/**
 * Who may pin, dismiss and unpin in an environment: the user IDs and user
 * groups listed as `approvers`, or anyone when the config says `anyone`.
 * Group membership is looked up and cached briefly (Slack's usergroups API is
 * rate limited, and a click must be acknowledged within 3 seconds anyway).
 */
export class Approvers {
  readonly #members = new Map<string, { users: Promise<Members>; at: number }>();

  constructor(
    private readonly client: UsergroupClient,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async authorize(userId: string, environment: string, slack: SlackConfig | undefined, action: "pin" | "unpin" | "dismiss"): Promise<Authorization> {
    const approvers = slack?.approvers;
    if (approvers === undefined) return { ok: false, reason: { kind: "no-slack-approvers", environment } };
    const among = await this.isAmong(userId, approvers);
    if (among.ok) return { ok: true };
    return { ok: false, reason: { kind: "not-an-approver", environment, action, user: userId, approvers: approvers === "anyone" ? [] : approvers, unknownGroups: among.unknownGroups } };
  }

  /**
   * Whether a person is listed (by user ID or through a user group) in
   * `people`, e.g. an environment's `freezers`; when not, the listed groups
   * Slack does not know.
   */
  async isAmong(userId: string, people: "anyone" | readonly string[]): Promise<{ ok: true } | { ok: false; unknownGroups: string[] }> {
    if (people === "anyone" || people.includes(userId)) return { ok: true };
    const unknownGroups: string[] = [];
    for (const group of people.filter((person) => person.startsWith("S"))) {
      const members = await this.membersOf(group);
      if (members === "no such group") unknownGroups.push(group);
      else if (members.has(userId)) return { ok: true };
    }
    return { ok: false, unknownGroups };
  }

  /** A group's members, or "no such group" when Slack does not know it (a typo, or a deleted group): cached alike. */
  private async membersOf(group: string): Promise<Members> {
    const cached = this.#members.get(group);
    if (cached && this.now() - cached.at <= this.maxAgeMs) return cached.users;
    // Concurrent clicks share one lookup; a failed lookup is not cached.
    const lookup = this.lookUp(group);
    this.#members.set(group, { users: lookup, at: this.now() });
    lookup.catch(() => {
      if (this.#members.get(group)?.users === lookup) this.#members.delete(group);
    });
    return lookup;
  }

  private async lookUp(group: string): Promise<ReadonlySet<string> | "no such group"> {
    try {
      const response = await this.client.usergroups.users.list({ usergroup: group });
      return new Set(response.users ?? []);
    } catch (error) {
      // Any other refusal (the token, a missing scope, Slack unreachable) is the click's failure, told as such.
      if ((error as { data?: { error?: string } }).data?.error !== "no_such_subteam") throw error;
      return "no such group";
    }
  }
}
