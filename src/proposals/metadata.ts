import { z } from "zod";

/**
 * The hidden block in a Bender PR's body: for a proposal, what unpin restores
 * from and what any replica reads to know what a PR proposes; for an unpin,
 * what it restores and which PR it undoes. It is data from a PR body, which
 * anyone with write access can edit, so it is validated on every read and a
 * block that fails is treated as absent, never trusted.
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

const proposalMetadataSchema = z.object({
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

const unpinMetadataSchema = z.object({
  bender: z.literal(1),
  kind: z.literal("unpin"),
  environment: proposalMetadataSchema.shape.environment,
  repository: proposalMetadataSchema.shape.repository,
  /** The reference the unpinned PR pinned. */
  reference: proposalMetadataSchema.shape.reference,
  /** The version put back and held: a tag, or a value as written when the values hold no common tag. */
  version: z.string().min(1).max(1024),
  baseBranch: proposalMetadataSchema.shape.baseBranch,
  /** The number of the pinned PR this one undoes. */
  unpins: z.number().int().positive(),
  /** The values restored (`before` as the file held them, `after` as restored). */
  changes: z.array(changeSchema).max(1000),
  slack: proposalMetadataSchema.shape.slack,
});

export type UnpinMetadata = z.infer<typeof unpinMetadataSchema>;

const benderMetadataSchema = z.discriminatedUnion("kind", [proposalMetadataSchema, unpinMetadataSchema]);

/** Any Bender PR's block; check `kind` before treating it as a proposal. */
export type BenderMetadata = z.infer<typeof benderMetadataSchema>;

const BLOCK = /<!-- bender:metadata\n(?<json>[^\n]*)\n-->/;

/** The block to append to a PR body. `<` and `>` are escaped inside the JSON so the comment cannot be closed early. */
export function encodeMetadata(metadata: BenderMetadata): string {
  const json = JSON.stringify(metadata).replaceAll("<", "\\u003c").replaceAll(">", "\\u003e");
  return `<!-- bender:metadata\n${json}\n-->`;
}

export type DecodedMetadata<M extends BenderMetadata = BenderMetadata> =
  | { readonly ok: true; readonly metadata: M }
  | { readonly ok: false; readonly reason: string };

/** Reads the block from a PR body, of either kind; absent, unparsable or invalid blocks come back as a reason. */
export function decodeMetadata(body: string | null | undefined): DecodedMetadata {
  const match = BLOCK.exec(body ?? "");
  if (!match?.groups) return { ok: false, reason: "the PR body has no bender:metadata block" };
  let value: unknown;
  try {
    value = JSON.parse(match.groups.json ?? "");
  } catch (error) {
    return { ok: false, reason: `the bender:metadata block is not JSON: ${(error as Error).message}` };
  }
  const parsed = benderMetadataSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `the bender:metadata block is invalid at ${first?.path.join(".") || "its root"}: ${first?.message ?? "unknown"}` };
  }
  return { ok: true, metadata: parsed.data };
}

/** Reads the block of a proposal; an unpin's block comes back as a reason, like an invalid one. */
export function decodeProposalMetadata(body: string | null | undefined): DecodedMetadata<ProposalMetadata> {
  const decoded = decodeMetadata(body);
  if (!decoded.ok || decoded.metadata.kind === "proposal") return decoded as DecodedMetadata<ProposalMetadata>;
  return { ok: false, reason: `the bender:metadata block is of an ${decoded.metadata.kind}, not a proposal` };
}

/** Replaces (or appends) the metadata block in a body, keeping the rest. */
export function withMetadata(body: string, metadata: BenderMetadata): string {
  const block = encodeMetadata(metadata);
  return BLOCK.test(body) ? body.replace(BLOCK, () => block) : `${body.trimEnd()}\n\n${block}\n`;
}
