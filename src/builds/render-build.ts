import { formatReference, shortDigest } from "../image-ref/index.js";
import type { Build } from "./build.js";

/**
 * One line for logs and pull request text:
 * `ghcr.io/acme/api:1.4.1 (sha256:abcdef123456) from acme/api@abc1234 by octocat`.
 * A digest-only image reads `ghcr.io/acme/api@sha256:abcdef123456`.
 */
export function describeBuild(build: Build): string {
  const { image, source } = build;
  const digest = image.digest === undefined ? undefined : shortDigest(image.digest);
  let line =
    image.tag === undefined
      ? formatReference({ name: image.name, digest })
      : `${formatReference({ name: image.name, tag: image.tag })}${digest === undefined ? "" : ` (${digest})`}`;
  if (source === undefined) return line;

  const commit = source.commit?.slice(0, 7);
  if (source.repository !== undefined) line += ` from ${source.repository}${commit === undefined ? "" : `@${commit}`}`;
  else if (commit !== undefined) line += ` at ${commit}`;
  if (source.author !== undefined) line += ` by ${source.author}`;
  return line;
}
