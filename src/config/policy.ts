import picomatch from "picomatch/posix.js";
import { formatReference, parseReference } from "../image-ref/index.js";
import type { ImageReference } from "../image-ref/index.js";
import type { BenderConfig, EnvironmentConfig, ImagePolicy } from "./schema.js";

export type TagDecision = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether a file belongs to an environment. A plain folder (`clusters/prod`)
 * owns itself and everything below it; a glob (`clusters/prod-*\/**`) is
 * matched as written. Dotfiles match like any other file.
 */
export function environmentOwnsPath(environment: Pick<EnvironmentConfig, "paths">, filePath: string): boolean {
  return pathMatcher(environment.paths)(filePath);
}

/** Compiles an environment's paths once, for checking many files. */
export function pathMatcher(paths: readonly string[]): (filePath: string) => boolean {
  const tests = paths.map((written) => {
    const path = trimPath(written);
    if (picomatch.scan(path).isGlob) return picomatch(path, { dot: true });
    return (file: string) => file === path || file.startsWith(`${path}/`);
  });
  return (filePath) => {
    const file = trimPath(filePath);
    return tests.some((test) => test(file));
  };
}

/** The policy written for an image's repository, compared in canonical form (`redis` is `docker.io/library/redis`). */
export function policyFor(config: Pick<BenderConfig, "images">, image: Pick<ImageReference, "repository">): ImagePolicy | undefined {
  for (const policy of config.images ?? []) {
    const parsed = parseReference(policy.repository);
    if (parsed.ok && parsed.reference.repository === image.repository) return policy;
  }
  return undefined;
}

/** The environments an image may go to, in the file's order: all, unless its policy lists some. */
export function environmentsFor(config: Pick<BenderConfig, "environments" | "images">, image: Pick<ImageReference, "repository">): string[] {
  const names = Object.keys(config.environments);
  const allowed = policyFor(config, image)?.environments;
  if (allowed === undefined) return names;
  return names.filter((name) => allowed.includes(name));
}

/**
 * Whether a reference's tag passes its repository's tagPattern. A reference
 * without a tag (digest only) cannot be checked against a pattern, so it is
 * refused when one is set.
 */
export function tagAllowed(config: Pick<BenderConfig, "images">, image: ImageReference): TagDecision {
  const policy = policyFor(config, image);
  if (policy?.tagPattern === undefined) return { ok: true };
  const pattern = `/${policy.tagPattern}/`;
  if (image.tag === undefined) {
    return { ok: false, reason: `${formatReference(image)} has no tag, and tags of ${policy.repository} must match ${pattern}` };
  }
  if (new RegExp(policy.tagPattern).test(image.tag)) return { ok: true };
  return { ok: false, reason: `tag "${image.tag}" does not match ${pattern}, the tagPattern for ${policy.repository}` };
}

/** `./clusters/prod/` and `clusters/prod` name the same folder. */
function trimPath(path: string): string {
  return path.replace(/^(?:\.\/)+/, "").replace(/\/+$/, "");
}
