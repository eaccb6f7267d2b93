/** Every PR Bender opens (proposals and unpins) carries this label, so a person and `/bender history` can find them. */
export const BENDER_LABEL = "bender";

/** The label of one environment's PRs: `bender/production`. */
export function environmentLabel(environment: string): string {
  return `${BENDER_LABEL}/${environment}`;
}

/** The labels every proposal (and unpin) of `environment` carries. */
export function labelsFor(environment: string): string[] {
  return [BENDER_LABEL, environmentLabel(environment)];
}

/** Whether a PR carries every label Bender gives a proposal of `environment` (an interrupted write may have left some off). */
export function hasAllLabels(environment: string, labels: { readonly nodes: readonly { readonly name: string }[] } | null | undefined): boolean {
  const names = new Set(labels?.nodes.map((label) => label.name) ?? []);
  return labelsFor(environment).every((label) => names.has(label));
}
