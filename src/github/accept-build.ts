import type { Logger } from "pino";
import type { Build, BuildIntake } from "../builds/build.js";
import { describeBuild } from "../builds/render-build.js";
import type { InstallationClient } from "./manifest-repositories.js";
import type { ProposalOutcome } from "./propose-context.js";
import type { BenderServices } from "./services.js";

/** Where a build's manifest repositories come from: the one place the list is worked out. */
export type ManifestSource =
  /** A package event: every manifest repository the App's installation can see. */
  | { readonly kind: "installation"; readonly client: InstallationClient; readonly installationId: number }
  /** A `repository_dispatch`: the manifest repository that received it. */
  | { readonly kind: "repository"; readonly repository: string; readonly client: InstallationClient }
  /** The build webhook or a person: the repositories named, else MANIFEST_REPOSITORIES, else every installation's. */
  | { readonly kind: "named"; readonly repositories?: readonly string[] | undefined };

/** The manifest repositories of a source, each with its installation's client (undefined: Bender is not installed there). */
export async function manifestTargets(
  services: BenderServices,
  source: ManifestSource,
  log: Logger,
): Promise<{ repository: string; client: InstallationClient | undefined }[]> {
  switch (source.kind) {
    case "installation":
      return (await services.repositories.forInstallation(source.client, source.installationId, log)).map((repository) => ({ repository, client: source.client }));
    case "repository":
      return [{ repository: source.repository, client: source.client }];
    case "named":
      return services.installations.targets(source.repositories ?? services.repositories.explicitList, services.repositories, log);
  }
}

/** The manifest repositories a person means (MANIFEST_REPOSITORIES, else every installation's) where Bender is installed. */
export async function installedManifestRepositories(services: BenderServices, log: Logger): Promise<{ repository: string; client: InstallationClient }[]> {
  const targets = await manifestTargets(services, { kind: "named" }, log);
  return targets.flatMap(({ repository, client }) => (client ? [{ repository, client }] : []));
}

/** What became of an event that may be a build. */
export type Acceptance =
  | { readonly kind: "queued"; readonly key: string; readonly build: Build }
  /** GitHub refused Bender's credentials at the last check: nothing can be proposed until a person fixes them. */
  | { readonly kind: "github-refused"; readonly reason: string; readonly build: Build }
  | Exclude<BuildIntake, { kind: "build" }>;

/**
 * Propose a build, the part that happens while the sender waits:
 *
 * 1. Count and log what the intake made of the event (a build, ignored, invalid).
 *    A build is refused at once when GitHub refused Bender's credentials at
 *    the last check: queued, it could only fail; the sender learns why now.
 * 2. Queue a build with the lookup of its manifest repositories: no GitHub
 *    request happens before the sender gets its answer (finding the
 *    repositories is queued work too).
 * 3. Return the build's queue key.
 *
 * The rest (read, plan, write, per repository's turn) runs in the queue,
 * whose failure rule is one: GitHub failing on its side or asking to wait
 * keeps the build and tries again; any other failure is logged with its cause
 * and reported as a `failed` outcome (`reportOutcomes`).
 */
export function acceptBuild(services: BenderServices, origin: string, intake: BuildIntake, source: ManifestSource, log: Logger): Acceptance {
  // 1. Count and log.
  const refusal = intake.kind === "build" ? services.credentialsRefused?.() : undefined;
  if (intake.kind === "build" && refusal !== undefined) {
    log.warn({ build: describeBuild(intake.build), github: refusal }, "build refused: GitHub refuses Bender's credentials");
    services.activity?.build(origin, "github-refused");
    return { kind: "github-refused", reason: `GitHub refused Bender's credentials: ${refusal}`, build: intake.build };
  }
  reportIntake(services, log, origin, intake);
  if (intake.kind !== "build") return intake;
  // 2. Queue.
  const named: ManifestSource = source.kind === "named" && intake.repositories ? { kind: "named", repositories: intake.repositories } : source;
  const key = services.queue.accept(intake.build, () => manifestTargets(services, named, log), log);
  log.info({ build: key }, "build queued");
  // 3. Answer.
  return { kind: "queued", key, build: intake.build };
}

/** Logs and counts what an intake made of an event; true when it is a build to propose. */
export function reportIntake(services: BenderServices, log: Logger, origin: string, intake: BuildIntake): intake is Extract<BuildIntake, { kind: "build" }> {
  if (intake.kind === "ignored") log.debug({ reason: intake.reason }, "event ignored");
  if (intake.kind === "invalid") log.warn({ problems: intake.problems }, "build refused: invalid payload");
  services.activity?.build(origin, intake.kind === "build" ? "accepted" : intake.kind);
  return intake.kind === "build";
}

/** Logs and counts what a build became in each environment, as the queue finishes its repositories. */
export function reportOutcomes(services: BenderServices, log: Logger, build: Build, outcomes: readonly ProposalOutcome[]): void {
  for (const outcome of outcomes) {
    log.info({ build: describeBuild(build), ...outcome }, "build proposed");
  }
  services.activity?.outcomes(outcomes);
}
