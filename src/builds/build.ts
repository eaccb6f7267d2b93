/**
 * A build is one image that now exists. Three intakes turn what the world sends
 * (a GitHub Packages webhook, a `repository_dispatch`, Bender's own POST
 * /api/builds) into this one value; proposals are drawn from it.
 */
import type { ImageReference } from "../image-ref/index.js";

/** Where a build came from, as far as the sender told us. Every field is validated. */
export interface BuildSource {
  /** `owner/name` of the repository the image was built from. */
  repository?: string;
  /** Full 40-hex commit SHA. */
  commit?: string;
  /** An https URL a reviewer can open: the workflow run, the commit, the release. */
  url?: string;
  /** GitHub login of the person behind the build. */
  author?: string;
}

/** Which intake produced a build. */
export type BuildOrigin = "package" | "dispatch" | "webhook";

export interface Build {
  /** Carries a tag, a digest, or both. */
  image: ImageReference;
  source?: BuildSource;
  origin: BuildOrigin;
}

/**
 * What an intake made of its input. "Cannot handle this" is data: `ignored`
 * when the input is well-formed but not Bender's business (another action,
 * an npm package), `invalid` when it is Bender's business but malformed.
 */
export type BuildIntake =
  | {
      kind: "build";
      build: Build;
      /** `owner/name` manifest repositories to propose to; only POST /api/builds names them. */
      repositories?: string[];
    }
  | { kind: "ignored"; reason: string }
  | {
      kind: "invalid";
      /** Each names the field path, the value (at most 80 characters) and what is allowed. */
      problems: string[];
    };

export { buildFromPackageEvent } from "./package-event.js";
export type { PackageEventName } from "./package-event.js";
export { buildFromDispatch, BUILD_EVENT_TYPE } from "./dispatch.js";
export { buildFromWebhookBody, MAX_REPOSITORIES } from "./webhook-body.js";
