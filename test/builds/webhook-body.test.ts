import { describe, expect, it } from "vitest";
import { MAX_REPOSITORIES, buildFromWebhookBody } from "../../src/builds/index.js";

const DIGEST = `sha256:${"cd34".repeat(16)}`;
const IMAGE = `ghcr.io/acme/api:1.4.1@${DIGEST}`;
const SOURCE = { repository: "acme/api", commit: "fedcba9876543210fedcba9876543210fedcba98", author: "hubot" };
const REPOSITORIES_RULE =
  'expected a list of 1 to 50 repositories, each expected "owner/name": an owner of 1 to 39 letters, digits or "-" (starting with a letter or digit) and a name of 1 to 100 letters, digits, ".", "_" or "-" (not "." or "..")';
const many = Array.from({ length: MAX_REPOSITORIES }, (_, index) => `acme/deploy-${index}`);

describe("buildFromWebhookBody: builds", () => {
  it.each([
    { title: "image, source and repositories", body: { image: IMAGE, source: SOURCE, repositories: ["acme/deploy"] }, repositories: ["acme/deploy"], source: SOURCE },
    { title: "image alone: targets are the server's choice", body: { image: IMAGE }, repositories: undefined, source: undefined },
    { title: "50 repositories", body: { image: IMAGE, repositories: many }, repositories: many, source: undefined },
    {
      title: "duplicate repositories, compared as GitHub does (case-insensitively)",
      body: { image: IMAGE, repositories: ["acme/Deploy", "acme/infra", "ACME/deploy"] },
      repositories: ["acme/Deploy", "acme/infra"],
      source: undefined,
    },
    {
      title: "repository names with dots, underscores and dashes",
      body: { image: IMAGE, repositories: ["a/.github", "acme-corp/k8s_manifests.v2"] },
      repositories: ["a/.github", "acme-corp/k8s_manifests.v2"],
      source: undefined,
    },
  ])("$title", ({ body, repositories, source }) => {
    const intake = buildFromWebhookBody(body);
    expect(intake.kind).toBe("build");
    if (intake.kind !== "build") return;
    expect(intake.build).toEqual({
      image: { name: "ghcr.io/acme/api", domain: "ghcr.io", path: "acme/api", repository: "ghcr.io/acme/api", tag: "1.4.1", digest: DIGEST },
      ...(source === undefined ? {} : { source }),
      origin: "webhook",
    });
    expect(intake.repositories).toEqual(repositories);
    if (repositories === undefined) expect(intake).not.toHaveProperty("repositories");
  });
});

describe("buildFromWebhookBody: invalid", () => {
  it.each([
    { title: "no body", body: undefined, problems: ["the request body is missing; expected an object with the fields image, source, repositories"] },
    { title: "a JSON string", body: "ghcr.io/acme/api:1.4.1", problems: ['the request body is "ghcr.io/acme/api:1.4.1"; expected an object with the fields image, source, repositories'] },
    { title: "an array", body: [IMAGE], problems: ["the request body is an array of 1; expected an object with the fields image, source, repositories"] },
    {
      title: "a typo at the top level",
      body: { image: IMAGE, repository: "acme/deploy" },
      problems: ['the request body has unknown field "repository"; allowed fields are image, source, repositories'],
    },
    { title: "no repositories in the list", body: { image: IMAGE, repositories: [] }, problems: [`repositories is an array of 0; ${REPOSITORIES_RULE}`] },
    {
      title: "more than 50 repositories",
      body: { image: IMAGE, repositories: [...many, "acme/one-too-many"] },
      problems: [`repositories is an array of 51; ${REPOSITORIES_RULE}`],
    },
    { title: "repositories as a string", body: { image: IMAGE, repositories: "acme/deploy" }, problems: [`repositories is "acme/deploy"; ${REPOSITORIES_RULE}`] },
    {
      title: "malformed repository names, each reported by index",
      body: { image: IMAGE, repositories: ["acme/deploy", "deploy", "acme/..", "-acme/deploy", "acme/deploy/prod"] },
      problems: [1, 2, 3, 4].map((index) => {
        const value = ["acme/deploy", "deploy", "acme/..", "-acme/deploy", "acme/deploy/prod"][index];
        return `repositories[${index}] is "${value}"; expected "owner/name": an owner of 1 to 39 letters, digits or "-" (starting with a letter or digit) and a name of 1 to 100 letters, digits, ".", "_" or "-" (not "." or "..")`;
      }),
    },
    {
      title: "a bad image and a bad source together",
      body: { image: "ghcr.io/acme/api:", source: { url: "ftp://acme.dev" } },
      problems: [
        'image is "ghcr.io/acme/api:"; not a valid image reference: the tag "" is not allowed: a tag is 1 to 128 characters from letters, digits, "_", "." and "-", and does not start with "." or "-"',
        'source.url is "ftp://acme.dev"; expected an https:// URL without credentials, e.g. the workflow run that built the image',
      ],
    },
    {
      title: "source that is not an object",
      body: { image: IMAGE, source: "acme/api@abc" },
      problems: ['source is "acme/api@abc"; expected an object with the fields repository, commit, url, author'],
    },
  ])("$title", ({ body, problems }) => {
    expect(buildFromWebhookBody(body)).toEqual({ kind: "invalid", problems });
  });
});
