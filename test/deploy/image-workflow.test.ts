/** The image workflow: builds on every push and pull request, publishes to ghcr.io only on a version tag. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

interface Step {
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}
const workflow = parse(readFileSync(fileURLToPath(new URL("../../.github/workflows/image.yml", import.meta.url)), "utf8")) as {
  on: { push: { tags: string[]; branches: string[] }; pull_request: unknown };
  jobs: { image: { permissions: Record<string, string>; steps: Step[] } };
};
const steps = workflow.jobs.image.steps;
const step = (action: string): Step | undefined => steps.find((candidate) => candidate.uses?.startsWith(`${action}@`));
const ON_TAG = "startsWith(github.ref, 'refs/tags/v')";

describe(".github/workflows/image.yml", () => {
  it("runs on version tags, main and pull requests", () => {
    expect(workflow.on.push.tags).toEqual(["v*.*.*"]);
    expect(workflow.on.push.branches).toEqual(["main"]);
    expect(workflow.on).toHaveProperty("pull_request");
  });

  it("logs in to ghcr.io and pushes only on a tag, with the workflow's own token", () => {
    expect(workflow.jobs.image.permissions.packages).toBe("write");
    expect(step("docker/login-action")).toEqual(expect.objectContaining({ if: ON_TAG, with: expect.objectContaining({ registry: "ghcr.io", password: "${{ secrets.GITHUB_TOKEN }}" }) }));
    expect(step("docker/build-push-action")?.with).toEqual(expect.objectContaining({ push: `\${{ ${ON_TAG} }}`, tags: "${{ steps.meta.outputs.tags }}" }));
    expect(step("docker/metadata-action")?.with?.images).toBe("ghcr.io/${{ github.repository_owner }}/bender");
  });

  it("names an image the Kubernetes kit can point at (ghcr.io/<owner>/bender)", () => {
    const kit = readFileSync(fileURLToPath(new URL("../../deploy/kubernetes/kustomization.yaml", import.meta.url)), "utf8");
    expect(kit).toMatch(/- name: ghcr\.io\/[\w-]+\/bender\n/);
  });
});
