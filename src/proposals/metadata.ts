import { z } from "zod";

/**
 * The hidden block in a proposal's PR body: what unpin restores from and what
 * any replica reads to know what a PR proposes. It is data from a PR body,
 * which anyone with write access can edit, so it is validated on every read
 * and a block that fails is treated as absent, never trusted.
 */
const changeSchema = z.object({
  file: z.string().min(1).max(1024),
  line: z.number().int().positive(),
  kind: z.string().min(1).max(40),
  before: z.string().max(1024),
  after: z.string().max(1024),
  document: z.number().int().nonnegative(),
  yamlPath: z.string().max(2048),
});

export const proposalMetadataSchema = z.object({
  bender: z.literal(1),
  kind: z.literal("proposal"),
  environment: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  /** Canonical repository, e.g. ghcr.io/acme/api. */
  repository: z.string().min(1).max(255),
  /** The reference proposed, as the build named it. */
  reference: z.string().min(1).max(512),
  tag: z.string().optional(),
  digest: z.string().optional(),
  baseBranch: z.string().min(1).max(255),
  source: z
    .object({
      repository: z.string().optional(),
      commit: z.string().optional(),
      url: z.string().optional(),
      author: z.string().optional(),
    })
    .optional(),
  changes: z.array(changeSchema).max(1000),
  /** Where the Slack message for this proposal lives (written by the Slack app). */
  slack: z.object({ channel: z.string(), ts: z.string() }).optional(),
});

export type ProposalMetadata = z.infer<typeof proposalMetadataSchema>;

const BLOCK = /<!-- bender:metadata\n(?<json>[^\n]*)\n-->/;

/** The block to append to a PR body. `<` and `>` are escaped inside the JSON so the comment cannot be closed early. */
export function encodeMetadata(metadata: ProposalMetadata): string {
  const json = JSON.stringify(metadata).replaceAll("<", "\\u003c").replaceAll(">", "\\u003e");
  return `<!-- bender:metadata\n${json}\n-->`;
}

export type DecodedMetadata =
  | { readonly ok: true; readonly metadata: ProposalMetadata }
  | { readonly ok: false; readonly reason: string };

/** Reads the block from a PR body; absent, unparsable or invalid blocks come back as a reason. */
export function decodeMetadata(body: string | null | undefined): DecodedMetadata {
  const match = BLOCK.exec(body ?? "");
  if (!match?.groups) return { ok: false, reason: "the PR body has no bender:metadata block" };
  let value: unknown;
  try {
    value = JSON.parse(match.groups.json ?? "");
  } catch (error) {
    return { ok: false, reason: `the bender:metadata block is not JSON: ${(error as Error).message}` };
  }
  const parsed = proposalMetadataSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `the bender:metadata block is invalid at ${first?.path.join(".") || "its root"}: ${first?.message ?? "unknown"}` };
  }
  return { ok: true, metadata: parsed.data };
}

/** Replaces (or appends) the metadata block in a body, keeping the rest. */
export function withMetadata(body: string, metadata: ProposalMetadata): string {
  const block = encodeMetadata(metadata);
  return BLOCK.test(body) ? body.replace(BLOCK, () => block) : `${body.trimEnd()}\n\n${block}\n`;
}
