import { describe, expect, it } from "vitest";
import { decodeButtonValue, proposalMessage } from "../../../src/slack/blocks/index.js";
import { ACTION_DISMISS, ACTION_PIN, ACTION_UNPIN } from "../../../src/slack/model.js";
import type { MessageStatus } from "../../../src/slack/model.js";
import { allText, buttons, expectInert, expectWithinSlackLimits } from "./inspect.js";
import { COMMIT, DIGEST_NEW, DIGEST_OLD, HEAD, metadata, view } from "./views.js";
import type { Change } from "./views.js";

const OWEN = "U012ABCDEF";
const AT = "2024-05-01T09:30:00Z";
const EPOCH = Date.parse(AT) / 1000;

const STATUSES: readonly MessageStatus[] = [
  { kind: "proposed", confirm: false },
  { kind: "proposed", confirm: true, heldBecause: "unpinned by owen" },
  { kind: "proposed", confirm: false, pinGate: { open: false, why: "production is frozen by U0ALICE001 until Tue 18:00 UTC (in 2 h): load test" } },
  { kind: "pinning", by: OWEN, detail: "2 checks pending" },
  { kind: "pinned", by: OWEN, via: "slack", at: AT },
  { kind: "unpinned", by: OWEN, at: AT, backTo: "1.4.0", reason: "500s" },
  { kind: "dismissed", by: "octocat", via: "github", at: AT },
  { kind: "stale-pin", laterPin: { number: 57, url: "https://github.com/acme/manifests/pull/57" } },
];

describe("proposalMessage", () => {
  it("draws a proposal: header, what changes, files, links, then Pin and Dismiss", () => {
    const message = proposalMessage(view());
    expect(message.blocks.map((block) => block.type)).toEqual(["header", "section", "section", "context", "actions"]);
    const [header] = message.blocks;
    expect(header).toEqual({ type: "header", text: { type: "plain_text", text: "ghcr.io/acme/api 1.4.1 for production", emoji: false } });
    const text = allText(message);
    expect(text).toContain("*Environment*\n`production`");
    expect(text).toContain("*Image*\n`ghcr.io/acme/api`");
    expect(text).toContain("*Version*\n`1.4.0` → `1.4.1`");
    expect(text).toContain("*Source*\n<https://github.com/acme/api/commit/fedcba9876543210fedcba9876543210fedcba98|acme/api@fedcba9> by octocat");
    expect(text).toContain("*2 files changed*\n• `clusters/prod/api.yaml`\n• `clusters/prod/values.yaml`");
    expect(text).toContain("<https://github.com/acme/manifests/pull/42|Pull request #42> · <https://github.com/acme/manifests/pull/42/files|Files changed>");
    expect(message.text).toBe("ghcr.io/acme/api 1.4.0 → 1.4.1 for production: waiting for a pin");
    expectInert(message);
  });

  it("makes every mrkdwn text verbatim, so Slack links nothing on its own", () => {
    for (const status of STATUSES) {
      for (const block of proposalMessage(view(status)).blocks) {
        const texts = block.type === "section" ? [block.text, ...(block.fields ?? [])] : block.type === "context" ? block.elements : [];
        for (const text of texts) if (text && "type" in text && text.type === "mrkdwn") expect(text.verbatim).toBe(true);
      }
    }
  });

  it("offers Pin (primary) and Dismiss, each carrying the PR head it was drawn for", () => {
    const [pin, dismiss, ...rest] = buttons(proposalMessage(view()));
    expect(rest).toEqual([]);
    expect(pin).toMatchObject({ action_id: ACTION_PIN, style: "primary", text: { text: "Pin" } });
    expect(dismiss).toMatchObject({ action_id: ACTION_DISMISS, text: { text: "Dismiss" } });
    expect(dismiss?.style).toBeUndefined();
    for (const button of [pin, dismiss]) {
      expect(decodeButtonValue(button?.value)).toEqual({ ok: true, value: { v: 1, repository: "acme/manifests", number: 42, head: HEAD, environment: "production" } });
    }
  });

  it("asks for confirmation on Pin only when the status says so", () => {
    expect(buttons(proposalMessage(view({ kind: "proposed", confirm: false }))).map((button) => button.confirm)).toEqual([undefined, undefined]);
    const [pin, dismiss] = buttons(proposalMessage(view({ kind: "proposed", confirm: true })));
    expect(pin?.confirm).toEqual({
      title: { type: "plain_text", text: "Pin to production?", emoji: false },
      text: { type: "plain_text", text: "This merges pull request #42: ghcr.io/acme/api 1.4.1 goes to production.", emoji: false },
      confirm: { type: "plain_text", text: "Pin", emoji: false },
      deny: { type: "plain_text", text: "Cancel", emoji: false },
      style: "primary",
    });
    expect(dismiss?.confirm).toBeUndefined();
  });

  it("says when automation holds the proposal, and still lets a person pin", () => {
    const message = proposalMessage(view({ kind: "proposed", confirm: false, heldBecause: "production was unpinned from 1.4.1." }));
    expect(message.blocks.map((block) => block.type)).toEqual(["header", "section", "section", "context", "context", "actions"]);
    expect(allText(message)).toContain("Automation will not pin this: production was unpinned from 1.4.1. A person may still pin it.");
    expect(buttons(message).map((button) => button.action_id)).toEqual([ACTION_PIN, ACTION_DISMISS]);
    expect(allText(proposalMessage(view()))).not.toContain("Automation will not pin");
  });

  it("says whether Pin is closed (why, until when) or open again, above the buttons", () => {
    const closed = proposalMessage(view({ kind: "proposed", confirm: false, pinGate: { open: false, why: "production is outside its deploy windows: the next window opens Wed 09:00 CEST, in 15 h." } }));
    expect(closed.blocks.map((block) => block.type)).toEqual(["header", "section", "section", "context", "context", "actions"]);
    expect(allText(closed)).toContain(":no_entry: Pin is closed: production is outside its deploy windows: the next window opens Wed 09:00 CEST, in 15 h.");
    expect(buttons(closed).map((button) => button.action_id)).toEqual([ACTION_PIN, ACTION_DISMISS]);
    expect(allText(proposalMessage(view({ kind: "proposed", confirm: false, pinGate: { open: true } })))).toContain(":large_green_circle: Pin is open again.");
    expect(allText(proposalMessage(view()))).not.toContain("Pin is");
  });

  it("shows a pin waiting for checks, with no buttons", () => {
    const message = proposalMessage(view({ kind: "pinning", by: OWEN, detail: "2 required checks pending" }));
    expect(allText(message)).toContain(`Pins when checks pass (requested by <@${OWEN}>). 2 required checks pending`);
    expect(buttons(message)).toEqual([]);
    expect(message.blocks.some((block) => block.type === "actions")).toBe(false);
    expect(message.text).toContain("pins when checks pass");
  });

  it("shows who pinned, how and when, and offers Unpin (danger)", () => {
    const message = proposalMessage(view({ kind: "pinned", by: OWEN, via: "slack", at: AT }));
    expect(allText(message)).toContain(`Pinned by <@${OWEN}> via Slack at <!date^${EPOCH}^{date_short_pretty} {time}|${AT}>.`);
    const [unpin, ...rest] = buttons(message);
    expect(rest).toEqual([]);
    expect(unpin).toMatchObject({ action_id: ACTION_UNPIN, style: "danger", text: { text: "Unpin" } });
    expect(unpin?.confirm).toBeUndefined();
    expect(decodeButtonValue(unpin?.value)).toMatchObject({ ok: true, value: { head: HEAD, number: 42 } });
  });

  it("names a GitHub login as escaped text, not a mention, and automatic pins as such", () => {
    expect(allText(proposalMessage(view({ kind: "pinned", by: "octocat", via: "github", at: AT })))).toContain("Pinned by octocat via GitHub at <!date^");
    expect(allText(proposalMessage(view({ kind: "pinned", by: "bender[bot]", via: "automatic", at: AT })))).toContain("Pinned automatically at <!date^");
    expect(allText(proposalMessage(view({ kind: "pinned", by: "u012abcdef", via: "github", at: AT })))).toContain("Pinned by u012abcdef via GitHub");
  });

  it("shows an unpin: who, when, the version restored, the hold and the reason; no buttons", () => {
    const message = proposalMessage(view({ kind: "unpinned", by: OWEN, at: AT, backTo: "1.4.0", reason: "error rate doubled" }));
    expect(allText(message)).toContain(
      `Unpinned by <@${OWEN}> at <!date^${EPOCH}^{date_short_pretty} {time}|${AT}>, back to \`1.4.0\`; the environment is held there until someone pins again. Reason: error rate doubled`,
    );
    expect(buttons(message)).toEqual([]);
  });

  it("shows a dismissal, with no buttons", () => {
    const message = proposalMessage(view({ kind: "dismissed", by: OWEN, via: "slack", at: AT }));
    expect(allText(message)).toContain(`Dismissed by <@${OWEN}> via Slack at <!date^${EPOCH}^`);
    expect(buttons(message)).toEqual([]);
    expect(message.text).toMatch(/: dismissed$/);
  });

  it("shows a pin superseded by a later one, linked, with no buttons", () => {
    const message = proposalMessage(view({ kind: "stale-pin", laterPin: { number: 57, url: "https://github.com/acme/manifests/pull/57" } }));
    expect(allText(message)).toContain("Superseded by a later pin (<https://github.com/acme/manifests/pull/57|#57>).");
    expect(buttons(message)).toEqual([]);
  });

  it("shows a time that is not ISO as escaped text rather than a date token", () => {
    const message = proposalMessage(view({ kind: "pinned", by: OWEN, via: "slack", at: "yesterday <!here>" }));
    expect(allText(message)).toContain("at yesterday &lt;!here&gt;.");
    expectInert(message);
  });
});

describe("proposalMessage versions", () => {
  it("lists each distinct old value once", () => {
    const changes: Change[] = [
      { file: "a.yaml", line: 1, kind: "container", before: "ghcr.io/acme/api:1.3.9", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "image" },
      { file: "b.yaml", line: 1, kind: "kustomize-tag", before: "1.4.0", after: "1.4.1", document: 0, yamlPath: "images[0].newTag" },
      { file: "c.yaml", line: 1, kind: "argocd-kustomize", before: "api=ghcr.io/acme/api:1.4.0", after: "api=ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "x" },
    ];
    expect(allText(proposalMessage(view(undefined, { metadata: metadata({ changes }) })))).toContain("`1.3.9`, `1.4.0` → `1.4.1`");
  });

  it("names digests by their short form", () => {
    const changes: Change[] = [{ file: "k.yaml", line: 4, kind: "kustomize-digest", before: DIGEST_OLD, after: DIGEST_NEW, document: 0, yamlPath: "images[0].digest" }];
    const message = proposalMessage(view(undefined, { metadata: metadata({ changes, tag: undefined, digest: DIGEST_NEW, reference: `ghcr.io/acme/api@${DIGEST_NEW}` }) }));
    expect(allText(message)).toContain("`sha256:aaaaaaaaaaaa` → `sha256:bbbbbbbbbbbb`");
    expect(message.blocks[0]).toMatchObject({ text: { text: "ghcr.io/acme/api sha256:bbbbbbbbbbbb for production" } });
  });

  it("shows the digest beside a tag that stays the same", () => {
    const changes: Change[] = [{ file: "d.yaml", line: 4, kind: "container", before: `nginx:latest@${DIGEST_OLD}`, after: `nginx:latest@${DIGEST_NEW}`, document: 0, yamlPath: "image" }];
    const message = proposalMessage(view(undefined, { metadata: metadata({ repository: "docker.io/library/nginx", changes, tag: "latest", digest: DIGEST_NEW, reference: `nginx:latest@${DIGEST_NEW}` }) }));
    expect(allText(message)).toContain("*Image*\n`nginx`");
    expect(allText(message)).toContain("`latest@sha256:aaaaaaaaaaaa` → `latest@sha256:bbbbbbbbbbbb`");
  });

  it("names the tag, not the digest written beside it", () => {
    const changes: Change[] = [
      { file: "values.yaml", line: 3, kind: "helm-tag", before: "1.4.0", after: "1.4.1", document: 0, yamlPath: "image.tag" },
      { file: "values.yaml", line: 4, kind: "helm-digest", before: DIGEST_OLD, after: DIGEST_NEW, document: 0, yamlPath: "image.digest" },
    ];
    const text = allText(proposalMessage(view(undefined, { metadata: metadata({ changes, digest: DIGEST_NEW }) })));
    expect(text).toContain("*Version*\n`1.4.0` → `1.4.1`");
    expect(text).toContain("• `values.yaml` (2 changes)");
  });

  it("leaves out the source when the metadata has none, and links only a well-formed commit", () => {
    expect(allText(proposalMessage(view(undefined, { metadata: metadata({ source: undefined }) })))).not.toContain("*Source*");
    const odd = allText(proposalMessage(view(undefined, { metadata: metadata({ source: { repository: "acme/api", commit: "not-a-sha" } }) })));
    expect(odd).toContain("*Source*\n`not-a-sha`");
    expect(odd).not.toContain("/commit/");
  });
});

describe("proposalMessage escaping", () => {
  const EVIL = "<!channel> <https://evil.example|click> & <@U999999999>";

  it("keeps every value from GitHub, payloads and config inert", () => {
    const hostile = metadata({
      repository: "ghcr.io/acme/<!channel>",
      reference: EVIL,
      tag: EVIL,
      source: { repository: "acme/api|<https://evil>", commit: EVIL, url: "javascript:alert(1)", author: EVIL },
      changes: [{ file: `clusters/${EVIL}.yaml`, line: 1, kind: "container" as const, before: EVIL, after: "x", document: 0, yamlPath: "x" }],
    });
    const statuses: MessageStatus[] = [
      { kind: "proposed", confirm: true, heldBecause: EVIL },
      { kind: "proposed", confirm: true, pinGate: { open: false, why: EVIL } },
      { kind: "pinning", by: EVIL, detail: EVIL },
      { kind: "pinned", by: EVIL, via: "github", at: EVIL },
      { kind: "unpinned", by: EVIL, at: AT, backTo: EVIL, reason: EVIL },
      { kind: "dismissed", by: EVIL, via: "github", at: AT },
      { kind: "stale-pin", laterPin: { number: 7, url: "javascript:alert(1)" } },
    ];
    for (const status of statuses) {
      const message = proposalMessage(view(status, { metadata: hostile, pullRequest: { number: 42, url: "https://github.com/acme/manifests/pull/42", headOid: HEAD } }));
      expectInert(message);
      const text = allText(message);
      expect(text).not.toContain("<!channel>");
      expect(text).not.toContain("<https://evil");
      expect(text).not.toContain("<@U999999999>");
      expect(text).not.toContain("javascript:");
      expect(text).toContain("&lt;!channel&gt;");
      expectWithinSlackLimits(message);
    }
  });

  it("links nothing when the PR URL or the web URL is not http(s)", () => {
    const message = proposalMessage(view(undefined, { webUrl: "javascript:alert(1)//", pullRequest: { number: 42, url: "data:text/html,<b>", headOid: HEAD } }));
    expectInert(message);
    expect(message.blocks.map((block) => block.type)).toEqual(["header", "section", "section", "actions"]);
    expect(allText(message)).not.toContain("<http");
  });

  it("does not let a backtick end a code span early", () => {
    const changes: Change[] = [{ file: "a`<b>`.yaml", line: 1, kind: "helm-tag", before: "1.0", after: "1.1", document: 0, yamlPath: "x" }];
    expect(allText(proposalMessage(view(undefined, { metadata: metadata({ changes }) })))).toContain("• `aˋ&lt;b&gt;ˋ.yaml`");
  });
});

describe("proposalMessage limits", () => {
  const thousand = Array.from({ length: 1000 }, (_, index): Change => ({
    file: `clusters/prod/${String(index).padStart(4, "0")}-${"deep/".repeat(200)}deployment.yaml`.slice(-1024),
    line: 10,
    kind: "container",
    before: `ghcr.io/acme/api:1.${index % 7}.0`,
    after: "ghcr.io/acme/api:1.4.1",
    document: 0,
    yamlPath: "spec.template.spec.containers[0].image",
  }));

  it("fits 1,000 changed files in one message, saying how many are not shown", () => {
    for (const status of STATUSES) {
      const message = proposalMessage(view(status, { metadata: metadata({ changes: thousand }) }));
      expectWithinSlackLimits(message);
      const text = allText(message);
      expect(text).toContain("*1000 files changed*");
      const shown = (text.match(/^• /gm) ?? []).length;
      expect(shown).toBeGreaterThan(0);
      expect(text).toContain(`…and ${1000 - shown} more files`);
      expect(text).toContain("and 2 more →");
    }
  });

  it("stays within Slack's limits when every value is as long as the metadata allows, and longer", () => {
    const long = "&".repeat(10_000);
    const changes = Array.from({ length: 1000 }, (_, index): Change => ({ file: `${index}${"<".repeat(1020)}`, line: 1, kind: "helm-tag", before: `${index}${"&".repeat(1020)}`, after: "x", document: 0, yamlPath: "x" }));
    const meta = metadata({ repository: `r/${"a".repeat(253)}`, reference: "r".repeat(512), tag: "t".repeat(128), source: { repository: "acme/api", commit: COMMIT, author: long, url: `https://ci.example/${"x".repeat(5000)}` }, changes });
    const statuses: MessageStatus[] = [
      { kind: "proposed", confirm: true, heldBecause: long },
      { kind: "pinning", by: long, detail: long },
      { kind: "pinned", by: long, via: "github", at: long },
      { kind: "unpinned", by: long, at: long, backTo: long, reason: long },
      { kind: "dismissed", by: long, via: "slack", at: long },
    ];
    for (const status of statuses) {
      const message = proposalMessage(view(status, { metadata: meta }));
      expectWithinSlackLimits(message);
      expectInert(message);
    }
  });
});
