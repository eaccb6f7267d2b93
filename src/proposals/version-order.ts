import semver from "semver";

/**
 * True when both tags are semantic versions (a leading `v` allowed) and
 * `candidate` is lower than `current`: a build that must not replace a
 * proposal for a newer version. Tags that are not both semver are not ordered.
 */
export function isOlderVersion(candidate: string | undefined, current: string | undefined): boolean {
  if (candidate === undefined || current === undefined) return false;
  const a = semver.parse(candidate);
  const b = semver.parse(current);
  return a !== null && b !== null && semver.lt(a, b);
}
