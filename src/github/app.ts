import type { ApplicationFunction, Probot } from "probot";
import { buildFromDispatch, buildFromPackageEvent } from "../builds/build.js";
import { acceptBuild, reportIntake } from "./accept-build.js";
import { followDeploymentStatus } from "./deployment-status.js";
import { followClosedPullRequest } from "./follow-closed-pull-request.js";
import { followConfigPush } from "./follow-config-push.js";
import type { InstallationClient } from "./manifest-repositories.js";
import type { BenderServices } from "./services.js";

/**
 * The Probot app: it only wires GitHub's events to the use cases. Builds in
 * (queued before any GitHub work, so GitHub gets its answer at once),
 * proposals out, and what people do to proposals in GitHub followed.
 */
export function benderApp(services: BenderServices): ApplicationFunction {
  return (app: Probot) => {
    app.on(["registry_package.published", "package.published"], async (context) => {
      const intake = buildFromPackageEvent(context.name as "registry_package" | "package", context.payload);
      const installationId = context.payload.installation?.id;
      if (installationId === undefined) return void reportIntake(services, context.log, "package", intake);
      const client = context.octokit as unknown as InstallationClient;
      acceptBuild(services, "package", intake, { kind: "installation", client, installationId }, context.log);
    });

    app.on("repository_dispatch", async (context) => {
      const client = context.octokit as unknown as InstallationClient;
      const source = { kind: "repository", repository: context.payload.repository.full_name, client } as const;
      acceptBuild(services, "dispatch", buildFromDispatch(context.payload), source, context.log);
    });

    app.on("push", (context) => followConfigPush(services, context));

    app.on(["installation", "installation_repositories"], async (context) => {
      services.repositories.forget(context.payload.installation.id);
      if (context.name === "installation") services.installations.forgetInstallations();
    });

    app.on("pull_request.closed", (context) => followClosedPullRequest(services.events, context));

    // A sync job's report: the pins it made live (or failed) get a reply in their Slack thread.
    app.on("deployment_status", (context) => followDeploymentStatus(services.events, context));
  };
}
