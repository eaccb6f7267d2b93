import { CONFIG_FILE } from "../config/index.js";
import { FREEZES_PATH } from "../policy/freezes.js";
import { HOLDS_PATH } from "../proposals/holds.js";

/**
 * One GraphQL query reads everything a build needs from a manifest
 * repository: the default branch, each environment's branch head, the trees
 * under its paths (with file text when nothing is cached yet), its holds file,
 * its open proposal for the image, and the label IDs. Every value from a
 * payload or a config goes in as a variable; the document's shape depends only
 * on how many environments and paths there are.
 */

/** How deep below an environment's path one query reads; deeper folders are read by a follow-up query. */
export const TREE_DEPTH = 6;

export interface EnvironmentRead {
  readonly name: string;
  /** The environment's branch, or undefined for the repository's default branch. */
  readonly branch: string | undefined;
  /** Folders to read (the static prefix of each configured path); "" is the root. */
  readonly folders: readonly string[];
  /** `refs/heads/bender/<environment>/<image>`. */
  readonly proposalRef: string;
  /** Index of an earlier read of the same environment whose trees this one shares (several images, one read); its `folders` are then empty. */
  readonly treesFrom?: number | undefined;
}

export interface ReadStateRequest {
  readonly owner: string;
  readonly name: string;
  readonly environments: readonly EnvironmentRead[];
  readonly labels: readonly string[];
  /** Include blob text in the tree (nothing cached yet); otherwise only object IDs. */
  readonly withText: boolean;
}

function blobSelection(withText: boolean): string {
  return withText ? "... on Blob { isBinary isTruncated text }" : "... on Blob { isBinary }";
}

/** `entries { … }` nested `depth` levels; the last level names subtrees without reading them. */
function treeSelection(depth: number, withText: boolean): string {
  const inner = depth <= 1 ? "... on Tree { oid }" : `... on Tree { ${treeSelection(depth - 1, withText)} }`;
  return `entries { name type oid size object { ${blobSelection(withText)} ${inner} } }`;
}

export function readStateQuery(request: ReadStateRequest): { query: string; variables: Record<string, string> } {
  const variables: Record<string, string> = { owner: request.owner, name: request.name };
  const declarations = ["$owner: String!", "$name: String!"];
  const fields: string[] = [
    "id",
    "nameWithOwner",
    "defaultBranchRef { name target { oid } }",
    "config: object(expression: $configExpression) { oid }",
  ];
  declarations.push("$configExpression: String!");
  variables.configExpression = `HEAD:${CONFIG_FILE}`;

  for (const [index, environment] of request.environments.entries()) {
    const revision = environment.branch ?? "HEAD";
    if (environment.branch !== undefined) {
      declarations.push(`$branch${index}: String!`);
      variables[`branch${index}`] = `refs/heads/${environment.branch}`;
      fields.push(`e${index}_branch: ref(qualifiedName: $branch${index}) { name target { oid } }`);
    }
    for (const [folderIndex, folder] of environment.folders.entries()) {
      const key = `tree${index}_${folderIndex}`;
      declarations.push(`$${key}: String!`);
      variables[key] = `${revision}:${folder}`;
      fields.push(`e${index}_t${folderIndex}: object(expression: $${key}) { ... on Tree { ${treeSelection(TREE_DEPTH, request.withText)} } }`);
    }
    declarations.push(`$holds${index}: String!`, `$freezes${index}: String!`, `$proposal${index}: String!`, `$head${index}: String!`);
    variables[`holds${index}`] = `${revision}:${HOLDS_PATH}`;
    // The release policy's freezes, beside the holds: automatic pins wait while the environment is frozen.
    variables[`freezes${index}`] = `${revision}:${FREEZES_PATH}`;
    variables[`proposal${index}`] = environment.proposalRef;
    variables[`head${index}`] = environment.proposalRef.slice("refs/heads/".length);
    fields.push(`e${index}_holds: object(expression: $holds${index}) { ... on Blob { text } }`);
    fields.push(`e${index}_freezes: object(expression: $freezes${index}) { ... on Blob { text } }`);
    fields.push(
      `e${index}_proposal: ref(qualifiedName: $proposal${index}) { id target { oid ... on Commit { messageBody } } associatedPullRequests(first: 5, states: OPEN) { nodes { id number url body headRefOid baseRefName labels(first: 20) { nodes { name } } } } }`,
      // The last proposal closed without merging: a dismissed build is not proposed again.
      `e${index}_closed: pullRequests(headRefName: $head${index}, states: CLOSED, first: 1, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { number url body } }`,
    );
  }
  for (const [index, label] of request.labels.entries()) {
    declarations.push(`$label${index}: String!`);
    variables[`label${index}`] = label;
    fields.push(`l${index}: label(name: $label${index}) { id name }`);
  }
  const query = `query BenderReadState(${declarations.join(", ")}) { repository(owner: $owner, name: $name) { ${fields.join(" ")} } }`;
  return { query, variables };
}

/** A follow-up read of blobs (text) and deep trees by object ID. */
export function readObjectsQuery(
  owner: string,
  name: string,
  blobs: readonly string[],
  trees: readonly string[],
): { query: string; variables: Record<string, string> } {
  const variables: Record<string, string> = { owner, name };
  const declarations = ["$owner: String!", "$name: String!"];
  const fields: string[] = [];
  for (const [index, oid] of blobs.entries()) {
    declarations.push(`$b${index}: GitObjectID!`);
    variables[`b${index}`] = oid;
    fields.push(`b${index}: object(oid: $b${index}) { ... on Blob { isBinary isTruncated text } }`);
  }
  for (const [index, oid] of trees.entries()) {
    declarations.push(`$t${index}: GitObjectID!`);
    variables[`t${index}`] = oid;
    fields.push(`t${index}: object(oid: $t${index}) { ... on Tree { ${treeSelection(TREE_DEPTH, false)} } }`);
  }
  const query = `query BenderReadObjects(${declarations.join(", ")}) { repository(owner: $owner, name: $name) { ${fields.join(" ")} } }`;
  return { query, variables };
}

// ---- Response shapes -------------------------------------------------------

export interface TreeEntryResponse {
  readonly name: string;
  readonly type: string;
  readonly oid: string;
  readonly size?: number | null;
  readonly object?: {
    readonly isBinary?: boolean | null;
    readonly isTruncated?: boolean;
    readonly text?: string | null;
    readonly oid?: string;
    readonly entries?: readonly TreeEntryResponse[] | null;
  } | null;
}

export interface ProposalRefResponse {
  readonly id: string;
  /** The branch's head; its message carries the `Bender-Reference:` trailer of the build it holds. */
  readonly target: { readonly oid: string; readonly messageBody?: string } | null;
  readonly associatedPullRequests: {
    readonly nodes: readonly {
      readonly id: string;
      readonly number: number;
      readonly url: string;
      readonly body: string;
      readonly headRefOid: string;
      readonly baseRefName: string;
      /** Missing labels mean a write was cut off before it labelled the PR; the next write adds them. */
      readonly labels?: { readonly nodes: readonly { readonly name: string }[] } | null;
    }[];
  };
}

/** A file found in a tree: its path, blob ID, size, and text when the query carried it. */
export interface TreeFile {
  readonly path: string;
  readonly oid: string;
  readonly size: number;
  readonly text: string | undefined;
  readonly binary: boolean;
  readonly truncated: boolean;
}

/**
 * Flattens nested entries under `folder` into files, and lists subtrees left
 * unread at the depth limit. Paths are built from entry names, so a tree read
 * by object ID lands at the right place.
 */
export function flattenTree(
  folder: string,
  entries: readonly TreeEntryResponse[] | null | undefined,
  files: TreeFile[],
  deepTrees: { oid: string; path: string }[],
): void {
  for (const entry of entries ?? []) {
    const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
    if (entry.type === "blob") {
      files.push({
        path,
        oid: entry.oid,
        size: entry.size ?? 0,
        text: entry.object?.text ?? undefined,
        binary: entry.object?.isBinary === true,
        truncated: entry.object?.isTruncated === true,
      });
    } else if (entry.type === "tree") {
      if (entry.object?.entries) flattenTree(path, entry.object.entries, files, deepTrees);
      else deepTrees.push({ oid: entry.oid, path });
    }
  }
}
