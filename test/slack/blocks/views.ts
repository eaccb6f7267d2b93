import type { ProposalMetadata } from "../../../src/proposals/metadata.js";
import type { MessageStatus, ProposalView } from "../../../src/slack/model.js";

export const HEAD = "0123456789abcdef0123456789abcdef01234567";
export const COMMIT = "fedcba9876543210fedcba9876543210fedcba98";
export const DIGEST_OLD = `sha256:${"a".repeat(64)}`;
export const DIGEST_NEW = `sha256:${"b".repeat(64)}`;

export function metadata(overrides: Partial<ProposalMetadata> = {}): ProposalMetadata {
  return {
    bender: 1,
    kind: "proposal",
    environment: "production",
    repository: "ghcr.io/acme/api",
    reference: "ghcr.io/acme/api:1.4.1",
    tag: "1.4.1",
    baseBranch: "main",
    source: { repository: "acme/api", commit: COMMIT, author: "octocat" },
    changes: [
      { file: "clusters/prod/api.yaml", line: 12, kind: "container", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "spec.template.spec.containers[0].image" },
      { file: "clusters/prod/values.yaml", line: 3, kind: "helm-tag", before: "1.4.0", after: "1.4.1", document: 0, yamlPath: "image.tag" },
    ],
    ...overrides,
  };
}

export function view(status: MessageStatus = { kind: "proposed", confirm: false }, overrides: Partial<ProposalView> = {}): ProposalView {
  return {
    repository: "acme/manifests",
    environment: "production",
    pullRequest: { number: 42, url: "https://github.com/acme/manifests/pull/42", headOid: HEAD },
    metadata: metadata(),
    webUrl: "https://github.com",
    status,
    ...overrides,
  };
}

export type Change = ProposalMetadata["changes"][number];
