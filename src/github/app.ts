import type { ApplicationFunction, Context, Probot } from "probot";
import type { Logger } from "pino";
import { buildFromDispatch, buildFromPackageEvent } from "../builds/build.js";
import type { Build, BuildIntake } from "../builds/build.js";
import { describeBuild } from "../builds/render-build.js";
import { CONFIG_FILE } from "../config/index.js";
import { revertedPullRequestNumber, BRANCH_PREFIX } from "../proposals/branch-name.js";
import type { ProposalEventSink } from "../proposals/events.js";
import { decodeProposalMetadata } from "../proposals/metadata.js";
import type { ManifestEngine } from "../manifests/io/manifest-engine.js";
import type { BlobCache } from "./blob-cache.js";
import { reportConfigCheck } from "./config-check.js";
import { followDeploymentStatus } from "./deployment-status.js";
import type { ConfigStore } from "./config-store.js";
import type { BuildQueue } from "../queue/io/build-queue.js";
import type { InstallationClients } from "./installation-clients.js";
import type { InstallationClient, ManifestRepositories } from "./manifest-repositories.js";
import type { ProposalOutcome } from "./propose-build.js";

/** What the GitHub App shares with the rest of the server. */
export interface BenderServices {
  readonly webUrl: string;
  readonly installations: InstallationClients;
  readonly configs: ConfigStore;
  readonly repositories: ManifestRepositories;
  readonly blobs: BlobCache;
  readonly events: ProposalEventSink;
  readonly uniqueId: () => string;
  /** Where accepted builds wait for their repository's turn. */
  readonly queue: BuildQueue;
  /** Runs the manifest engine off the event loop (a worker pool); undefined: in process, yielding between files. */
  readonly engine?: ManifestEngine | undefined;
  /** Counts builds and outcomes (the server's metrics). */
  readonly activity?: ActivityReporter;
}

export interface ActivityReporter {
  build(origin: string, result: "accepted" | "ignored" | "invalid"): void;
  outcomes(outcomes: readonly ProposalOutcome[]): void;
}

/** Logs and counts what an intake made of an event; true when it is a build to propose. */
export function reportIntake(services: BenderServices, log: Logger, origin: string, intake: BuildIntake): intake is Extract<BuildIntake, { kind: "build" }> {
  if (intake.kind === "ignored") log.debug({ reason: intake.reason }, "event ignored");
  if (intake.kind === "invalid") log.warn({ problems: intake.problems }, "build refused: invalid payload");
  services.activity?.build(origin, intake.kind === "build" ? "accepted" : intake.kind);
  return intake.kind === "build";
}

export function reportOutcomes(services: BenderServices, log: Logger, build: Build, outcomes: readonly ProposalOutcome[]): void {
  for (const outcome of outcomes) {
    log.info({ build: describeBuild(build), ...outcome }, "build proposed");
  }
  services.activity?.outcomes(outcomes);
}

/** The Probot app: builds in, proposals out, and what people do to proposals in GitHub. */
export function benderApp(services: BenderServices): ApplicationFunction {
  return (app: Probot) => {
    // Builds are queued as soon as they are validated: GitHub gets its answer before any GitHub work.
    app.on(["registry_package.published", "package.published"], async (context) => {
      const intake = buildFromPackageEvent(context.name as "registry_package" | "package", context.payload);
      if (!reportIntake(services, context.log, "package", intake)) return;
      const installationId = context.payload.installation?.id;
      if (installationId === undefined) return;
      const client = context.octokit as unknown as InstallationClient;
      const key = services.queue.accept(
        intake.build,
        async () => (await services.repositories.forInstallation(client, installationId, context.log)).map((repository) => ({ repository, client })),
        context.log,
      );
      context.log.info({ build: key }, "build queued");
    });

    app.on("repository_dispatch", async (context) => {
      const intake = buildFromDispatch(context.payload);
      if (!reportIntake(services, context.log, "dispatch", intake)) return;
      const repository = context.payload.repository.full_name;
      const client = context.octokit as unknown as InstallationClient;
      const key = services.queue.accept(intake.build, async () => [{ repository, client }], context.log);
      context.log.info({ build: key }, "build queued");
    });

    app.on("push", async (context) => {
      const payload = context.payload;
      const touched = payload.commits.some((commit) =>
        [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])].includes(CONFIG_FILE),
      );
      if (!touched || payload.deleted) return;
      const repository = payload.repository.full_name;
      const defaultBranch = payload.ref === `refs/heads/${payload.repository.default_branch}`;
      await reportConfigCheck({
        client: context.octokit as unknown as Parameters<typeof reportConfigCheck>[0]["client"],
        repository,
        headSha: payload.after,
        onDefaultBranch: defaultBranch,
        configs: services.configs,
        log: context.log,
      });
      if (defaultBranch && payload.installation) services.repositories.forget(payload.installation.id);
    });

    app.on(["installation", "installation_repositories"], async (context) => {
      services.repositories.forget(context.payload.installation.id);
      if (context.name === "installation") services.installations.forgetInstallations();
    });

    app.on("pull_request.closed", async (context) => {
      await followClosedPullRequest(services, context);
    });

    // A sync job's report: the pins it made live (or failed) get a reply in their Slack thread.
    app.on("deployment_status", async (context) => {
      await followDeploymentStatus(services.events, context);
    });
  };
}

type ClosedContext = Context<"pull_request.closed">;

/**
 * A bender PR merged in GitHub is a pin; closed unmerged, a dismissal (its
 * branch is deleted); a merged PR made with GitHub's Revert button from a
 * bender PR is an unpin.
 */
async function followClosedPullRequest(services: BenderServices, context: ClosedContext): Promise<void> {
  const { pull_request: pullRequest, repository, sender } = context.payload;
  const headRef = pullRequest.head.ref;
  const base = {
    repository: repository.full_name,
    pullRequest: { id: pullRequest.node_id, number: pullRequest.number, url: pullRequest.html_url, headOid: pullRequest.head.sha },
  };

  const reverted = revertedPullRequestNumber(headRef);
  if (reverted !== undefined) {
    if (!pullRequest.merged) return;
    const original = await context.octokit.rest.pulls.get({ owner: repository.owner.login, repo: repository.name, pull_number: reverted });
    const decoded = decodeProposalMetadata(original.data.body);
    if (!decoded.ok) {
      context.log.warn({ pullRequest: original.data.html_url, reason: decoded.reason }, "revert of a bender PR without readable metadata");
      return;
    }
    services.events.emit({
      ...base,
      type: "proposal.unpinned",
      environment: decoded.metadata.environment,
      metadata: decoded.metadata,
      by: pullRequest.merged_by?.login ?? sender.login,
      pullRequest: { id: original.data.node_id, number: original.data.number, url: original.data.html_url },
      revert: base.pullRequest,
    });
    return;
  }

  if (!headRef.startsWith(`${BRANCH_PREFIX}/`)) return;
  const decoded = decodeProposalMetadata(pullRequest.body);
  if (!decoded.ok) {
    context.log.warn({ pullRequest: pullRequest.html_url, reason: decoded.reason }, "closed bender PR without readable metadata");
    return;
  }
  const event = { ...base, environment: decoded.metadata.environment, metadata: decoded.metadata };
  if (pullRequest.merged) {
    const mergedBy = pullRequest.merged_by?.login ?? sender.login;
    // Bender's own merges (an automatic pin, a Slack pin) were announced when it merged; a merge GitHub made
    // later through auto-merge (a Slack pin waiting for checks) was not, so it is announced now.
    if (mergedBy === pullRequest.user.login && pullRequest.user.type === "Bot" && !pullRequest.auto_merge) return;
    services.events.emit({ ...event, type: "proposal.pinned", by: mergedBy, via: "github" });
    return;
  }
  // Bender itself closed it (a Dismiss in Slack, which also deleted the branch): Slack already shows it.
  if (sender.type === "Bot" && sender.login === pullRequest.user.login) return;
  services.events.emit({ ...event, type: "proposal.dismissed", by: sender.login });
  try {
    await context.octokit.rest.git.deleteRef({ owner: repository.owner.login, repo: repository.name, ref: `heads/${headRef}` });
  } catch (error) {
    const status = (error as { status?: number }).status;
    // Already gone (deleted by GitHub's setting or by hand) is fine.
    if (status !== 404 && status !== 422) throw error;
  }
}
