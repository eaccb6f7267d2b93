import { describe, expect, it } from "vitest";
import { BUILD_EVENT_TYPE, buildFromDispatch } from "../../src/builds/index.js";
import type { BuildSource } from "../../src/builds/index.js";
import { examples, withValue } from "./payloads.js";
import type { Payload } from "./payloads.js";

const DIGEST = `sha256:${"ab12".repeat(16)}`;
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const SOURCE = {
  repository: "acme/api",
  commit: COMMIT,
  url: "https://github.com/acme/api/actions/runs/9876543210",
  author: "octocat",
};

// The real example GitHub sends, with Bender's event type and payload in place of its own.
const [realExample] = examples("repository_dispatch");
if (realExample === undefined) throw new Error("webhooks-examples has no repository_dispatch example");

function dispatch(clientPayload: unknown, action: string = BUILD_EVENT_TYPE): Payload {
  return withValue(withValue(realExample as Payload, "action", action), "client_payload", clientPayload);
}

const valid: ReadonlyArray<{ title: string; clientPayload: unknown; tag?: string; digest?: string; source?: BuildSource }> = [
  {
    title: "image with tag and digest, full source",
    clientPayload: { image: `ghcr.io/acme/api:1.4.1@${DIGEST}`, source: SOURCE },
    tag: "1.4.1",
    digest: DIGEST,
    source: SOURCE,
  },
  { title: "image with a tag only, no source", clientPayload: { image: "ghcr.io/acme/api:1.4.1" }, tag: "1.4.1" },
  { title: "image with a digest only", clientPayload: { image: `ghcr.io/acme/api@${DIGEST}` }, digest: DIGEST },
  {
    title: "a partial source",
    clientPayload: { image: "ghcr.io/acme/api:1.4.1", source: { commit: COMMIT } },
    tag: "1.4.1",
    source: { commit: COMMIT },
  },
  { title: "an empty source, dropped", clientPayload: { image: "ghcr.io/acme/api:1.4.1", source: {} }, tag: "1.4.1" },
];

describe("buildFromDispatch: builds", () => {
  it.each(valid)("$title", ({ clientPayload, tag, digest, source }) => {
    const intake = buildFromDispatch(dispatch(clientPayload));
    expect(intake.kind).toBe("build");
    if (intake.kind !== "build") return;
    expect(intake.build.origin).toBe("dispatch");
    expect(intake.build.image.repository).toBe("ghcr.io/acme/api");
    expect(intake.build.image.tag).toBe(tag);
    expect(intake.build.image.digest).toBe(digest);
    expect(intake.build.source).toEqual(source);
    expect(intake).not.toHaveProperty("repositories");
  });
});

describe("buildFromDispatch: ignored", () => {
  it.each(examples("repository_dispatch").map((payload, index) => ({ index, payload })))(
    "the real webhooks-examples payload $index (event type on-demand-test)",
    ({ payload }) => {
      expect(buildFromDispatch(payload)).toEqual({
        kind: "ignored",
        reason: 'repository_dispatch event type "on-demand-test" is not "bender.build"',
      });
    },
  );

  it("another event type even with a valid client_payload", () => {
    expect(buildFromDispatch(dispatch({ image: "ghcr.io/acme/api:1.4.1" }, "deploy"))).toEqual({
      kind: "ignored",
      reason: 'repository_dispatch event type "deploy" is not "bender.build"',
    });
  });
});

const IMAGE_RULE = 'expected an image reference with a tag and/or a digest, e.g. "ghcr.io/acme/api:1.4.1@sha256:…"';
const longImage = `ghcr.io/acme/${"a".repeat(300)}:1.4.1`;
const longName = longImage.slice(0, -":1.4.1".length);

const invalid: ReadonlyArray<{ title: string; payload: unknown; problems: string[] }> = [
  {
    title: "not an object",
    payload: null,
    problems: ["the payload is null; expected a repository_dispatch payload: an object with action and client_payload"],
  },
  {
    title: "no action",
    payload: withValue(realExample as Payload, "action", undefined),
    problems: ["action is missing; expected the dispatch's event type as a string"],
  },
  {
    title: "client_payload null",
    payload: dispatch(null),
    problems: ["client_payload is null; expected an object with the fields image, source"],
  },
  {
    title: "no image",
    payload: dispatch({}),
    problems: [`client_payload.image is missing; ${IMAGE_RULE}`],
  },
  {
    title: "an image that is not a string",
    payload: dispatch({ image: 42 }),
    problems: [`client_payload.image is 42; ${IMAGE_RULE}`],
  },
  {
    title: "an image with no tag or digest",
    payload: dispatch({ image: "ghcr.io/acme/api" }),
    problems: [
      'client_payload.image is "ghcr.io/acme/api"; it names no tag or digest; add ":<tag>" and/or "@sha256:<digest>" so Bender knows which build to roll out',
    ],
  },
  {
    title: "an image parseReference refuses",
    payload: dispatch({ image: "ghcr.io/Acme/api:1.4.1" }),
    problems: ['client_payload.image is "ghcr.io/Acme/api:1.4.1"; not a valid image reference: the path "Acme/api" is not allowed: repository paths must be lowercase'],
  },
  {
    title: "a long image, quoted to 80 characters",
    payload: dispatch({ image: longImage }),
    problems: [
      `client_payload.image is "${longImage.slice(0, 80)}…"; not a valid image reference: the name "${longName.slice(0, 80)}…" is not allowed: the repository name is 313 characters; at most 255 are allowed`,
    ],
  },
  {
    title: "repositories, which only POST /api/builds accepts",
    payload: dispatch({ image: "ghcr.io/acme/api:1.4.1", repositories: ["acme/deploy"] }),
    problems: ['client_payload has unknown field "repositories"; allowed fields are image, source'],
  },
  {
    title: "a typo in source",
    payload: dispatch({ image: "ghcr.io/acme/api:1.4.1", source: { comit: COMMIT, athor: "octocat" } }),
    problems: ['client_payload.source has unknown fields "comit", "athor"; allowed fields are repository, commit, url, author'],
  },
  {
    title: "a short commit",
    payload: dispatch({ image: "ghcr.io/acme/api:1.4.1", source: { commit: "0123456" } }),
    problems: ['client_payload.source.commit is "0123456"; expected a full commit SHA: 40 lowercase hex digits'],
  },
  {
    title: "an upper-case commit",
    payload: dispatch({ image: "ghcr.io/acme/api:1.4.1", source: { commit: COMMIT.toUpperCase() } }),
    problems: [`client_payload.source.commit is "${COMMIT.toUpperCase()}"; expected a full commit SHA: 40 lowercase hex digits`],
  },
  {
    title: "an http URL",
    payload: dispatch({ image: "ghcr.io/acme/api:1.4.1", source: { url: "http://ci.acme.dev/run/1" } }),
    problems: [
      'client_payload.source.url is "http://ci.acme.dev/run/1"; expected an https:// URL without credentials, e.g. the workflow run that built the image',
    ],
  },
  {
    title: "a URL with credentials",
    payload: dispatch({ image: "ghcr.io/acme/api:1.4.1", source: { url: "https://bot:hunter2@ci.acme.dev/run/1" } }),
    problems: [
      'client_payload.source.url is "https://bot:hunter2@ci.acme.dev/run/1"; expected an https:// URL without credentials, e.g. the workflow run that built the image',
    ],
  },
  {
    title: "a bot as author",
    payload: dispatch({ image: "ghcr.io/acme/api:1.4.1", source: { author: "github-actions[bot]" } }),
    problems: [
      'client_payload.source.author is "github-actions[bot]"; expected a GitHub login: 1 to 39 letters, digits or "-", starting with a letter or digit',
    ],
  },
  {
    title: "a repository without an owner",
    payload: dispatch({ image: "ghcr.io/acme/api:1.4.1", source: { repository: "api" } }),
    problems: [
      'client_payload.source.repository is "api"; expected "owner/name": an owner of 1 to 39 letters, digits or "-" (starting with a letter or digit) and a name of 1 to 100 letters, digits, ".", "_" or "-" (not "." or "..")',
    ],
  },
  {
    title: "several faults at once, all reported",
    payload: dispatch({ image: "ghcr.io/acme/api", source: { commit: "HEAD", url: 7 } }),
    problems: [
      'client_payload.image is "ghcr.io/acme/api"; it names no tag or digest; add ":<tag>" and/or "@sha256:<digest>" so Bender knows which build to roll out',
      'client_payload.source.commit is "HEAD"; expected a full commit SHA: 40 lowercase hex digits',
      "client_payload.source.url is 7; expected an https:// URL without credentials, e.g. the workflow run that built the image",
    ],
  },
];

describe("buildFromDispatch: invalid", () => {
  it.each(invalid)("$title", ({ payload, problems }) => {
    expect(buildFromDispatch(payload)).toEqual({ kind: "invalid", problems });
  });
});
