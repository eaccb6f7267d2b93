/**
 * A small model of one GitHub repository that answers Bender's GraphQL
 * documents with GitHub's semantics: refs with compare-and-swap commits,
 * pull requests, labels, merges, and the errors GitHub gives when a ref
 * already exists or a head moved. Tests reach it only through nock, one
 * interceptor per expected request, so an unexpected request fails the test
 * and an expected one that never came fails it too. Every document is
 * validated against GitHub's published schema before it is answered.
 */
import { createHash } from "node:crypto";
import { validate } from "@octokit/graphql-schema";
import nock from "nock";
import { TREE_DEPTH } from "../../src/github/read-state.js";

export const API = "https://api.github.com";

export interface FakePullRequest {
  id: string;
  number: number;
  url: string;
  headRefName: string;
  baseRefName: string;
  title: string;
  body: string;
  state: "OPEN" | "CLOSED" | "MERGED";
  labels: string[];
  /** Comment bodies, oldest first. */
  comments: string[];
  /** Who wrote each comment (same order); an entry left out is the App's (`viewerLogin`), as comments Bender adds are. */
  commentedBy?: string[];
  mergeMethod?: string;
  /** The head the merge was made with, as `mergePullRequest`'s expectedHeadOid named it. */
  mergedWithExpectedHead?: string;
  /** Who merged it (GitHub names the App for merges made through the API) and when. */
  mergedBy?: string;
  mergedAt?: string;
  closedAt?: string;
  /** The merge commit's oid and message body (`Pinned-by:` trailers live here). */
  mergeCommitOid?: string;
  mergeCommitBody?: string;
  /** Set by enablePullRequestAutoMerge. */
  autoMerge?: { expectedHeadOid: string | undefined; mergeMethod: string; enabledAt: string; commitHeadline?: string; commitBody?: string };
  /** GitHub's updatedAt, as a sequence: any change to the PR moves it up (orderBy UPDATED_AT). */
  updated?: number;
}

/** A check run created through REST, as the fake recorded it. */
export interface FakeCheckRun {
  readonly name: string;
  readonly head_sha: string;
  readonly status: string;
  readonly conclusion: string;
  readonly output: { title: string; summary: string; text?: string };
}

/** A hook that runs just before the fake answers a request: a racing writer, a person pushing. */
export type BeforeAnswer = (fake: FakeRepository, body: { query: string; variables: Record<string, unknown> }) => void;

/** One expected GraphQL request: by operation name, optionally with a fault or a racing writer. */
export type ExpectedOperation =
  | string
  | { operation: string; reply: () => [number, unknown, Record<string, string>?] }
  | { operation: string; before: BeforeAnswer };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly operation: string | undefined;
  readonly body: unknown;
}

interface Commit {
  readonly files: ReadonlyMap<string, string>;
  readonly parent: string | undefined;
  readonly message: string;
  readonly body?: string | undefined;
}

type GraphqlError = { path: string[]; message: string; type?: string };

const ZERO_OID = "0000000000000000000000000000000000000000";

/** Documents that failed schema validation, across all fakes; the setup file fails the test when any exist. */
export const invalidDocuments: { operation: string | undefined; errors: string[] }[] = [];

/** GitHub refuses a PR's or a comment's body over 65,536 characters. */
function tooLongBody(body: unknown): void {
  if (typeof body === "string" && body.length > 65536) throw new Error("Body is too long (maximum is 65536 characters)");
}

export class FakeRepository {
  readonly id = "R_kgDOBender";
  readonly commits = new Map<string, Commit>();
  readonly branches = new Map<string, string>();
  readonly pullRequests: FakePullRequest[] = [];
  readonly labels = new Map<string, string>();
  /** Deployments the sync job reported (`<environment>/<cluster>`), newest first, as GraphQL's Repository.deployments lists them. */
  readonly deployments: { environment: string; commitOid: string; latestStatus: { state: string; description: string | null } | null }[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  /** Every request the fake answered, in order (for round-trip counts). */
  readonly requests: RecordedRequest[] = [];
  /** The login GitHub records as the merger of merges made through the API: the App's bot. */
  viewerLogin = "bender[bot]";
  /**
   * When set, mergePullRequest through GraphQL fails with this message, as
   * GitHub does when branch protection refuses a merge (a required status
   * check pending, reviews required).
   */
  mergeRefusal: string | undefined;
  /** The time the fake stamps on merges and closes. */
  time = "2025-06-03T15:00:00Z";
  #counter = 0;
  #updates = 0;

  constructor(
    readonly owner = "acme",
    readonly name = "manifests",
    readonly defaultBranch = "main",
    files: Record<string, string> = {},
  ) {
    this.branches.set(defaultBranch, this.commit(new Map(Object.entries(files)), undefined, "initial"));
  }

  get nameWithOwner(): string {
    return `${this.owner}/${this.name}`;
  }

  /** Adds a commit with the given files on top of a branch (as a person pushing would). */
  push(branch: string, changes: Record<string, string | null>, message = "push"): string {
    const head = this.branches.get(branch);
    const files = new Map(head ? this.commits.get(head)?.files : []);
    for (const [path, text] of Object.entries(changes)) {
      if (text === null) files.delete(path);
      else files.set(path, text);
    }
    const oid = this.commit(files, head, message);
    this.branches.set(branch, oid);
    return oid;
  }

  head(branch = this.defaultBranch): string {
    const oid = this.branches.get(branch);
    if (!oid) throw new Error(`no branch ${branch}`);
    return oid;
  }

  /** The newest commit from `oid` back whose `path` differs from its parent's (git log -1 -- path). */
  private lastChange(oid: string, path: string): string | undefined {
    for (let commit: string | undefined = oid; commit !== undefined; commit = this.commits.get(commit)?.parent) {
      const parent = this.commits.get(commit)?.parent;
      const before = parent === undefined ? undefined : this.commits.get(parent)?.files.get(path);
      if (this.commits.get(commit)?.files.get(path) !== before) return commit;
    }
    return undefined;
  }

  /** The parent of a commit. */
  parentOf(oid: string): string | undefined {
    return this.commits.get(oid)?.parent;
  }

  /** The message (headline) of a commit. */
  messageOf(oid: string): string | undefined {
    return this.commits.get(oid)?.message;
  }

  /** The operations the fake answered, in order. */
  operations(): (string | undefined)[] {
    return this.requests.map((request) => request.operation ?? `${request.method} ${request.path}`);
  }

  file(path: string, branch = this.defaultBranch): string | undefined {
    return this.commits.get(this.head(branch))?.files.get(path);
  }

  openPullRequests(): FakePullRequest[] {
    return this.pullRequests.filter((pullRequest) => pullRequest.state === "OPEN");
  }

  /** An open pull request on `branch`, as Bender would have opened it (for supersede tests). */
  openPullRequest(branch: string, files: Record<string, string>, title: string, body: string): FakePullRequest {
    this.branches.set(branch, this.commit(new Map([...(this.commits.get(this.head())?.files ?? []), ...Object.entries(files)]), this.head(), title));
    const pullRequest = this.newPullRequest(branch, this.defaultBranch, title, body);
    return pullRequest;
  }

  private newPullRequest(headRefName: string, baseRefName: string, title: string, body: string): FakePullRequest {
    const number = this.pullRequests.length + 1;
    const pullRequest: FakePullRequest = {
      id: `PR_${number}`,
      number,
      url: `https://github.com/${this.nameWithOwner}/pull/${number}`,
      headRefName,
      baseRefName,
      title,
      body,
      state: "OPEN",
      labels: [],
      comments: [],
      updated: ++this.#updates,
    };
    this.pullRequests.push(pullRequest);
    return pullRequest;
  }

  /** A comment a person (not the App) writes on a PR in GitHub: its `viewerDidAuthor` is false for Bender. */
  comment(pullRequest: FakePullRequest, body: string, by: string): void {
    const authors = (pullRequest.commentedBy ??= []);
    while (authors.length < pullRequest.comments.length) authors.push(this.viewerLogin);
    pullRequest.comments.push(body);
    authors.push(by);
    this.touch(pullRequest);
  }

  /** The last `count` comments as GraphQL's `comments(last: N) { nodes { body viewerDidAuthor } }` lists them (oldest first). */
  private lastComments(pullRequest: FakePullRequest, count: number): { nodes: { body: string; viewerDidAuthor: boolean }[] } {
    // GitHub pages at most 100 nodes; more is an error the schema does not catch.
    if (count < 1 || count > 100) throw new Error(`Requesting ${count} records on the \`comments\` connection exceeds the \`last\` limit of 100 records.`);
    const nodes = pullRequest.comments.map((body, index) => ({ body, viewerDidAuthor: (pullRequest.commentedBy?.[index] ?? this.viewerLogin) === this.viewerLogin }));
    return { nodes: nodes.slice(-count) };
  }

  /** Marks a PR as just updated (GitHub's updatedAt moves on any change). */
  touch(pullRequest: FakePullRequest): void {
    pullRequest.updated = ++this.#updates;
  }

  /**
   * Merges an open PR into its base as GitHub does: a merge commit with the
   * head's files on top of the base. Used by the mergePullRequest mutation,
   * and by tests for a merge a person made in GitHub.
   */
  merge(pullRequest: FakePullRequest, options: { by?: string; headline?: string; body?: string; method?: string; expectedHeadOid?: string } = {}): string {
    if (pullRequest.state !== "OPEN") throw new Error("Pull request is not open");
    const head = this.head(pullRequest.headRefName);
    if (options.expectedHeadOid !== undefined && options.expectedHeadOid !== head) {
      throw new Error("Head branch was modified. Review and try the merge again.");
    }
    const merged = this.commit(this.mergedFiles(head, this.head(pullRequest.baseRefName)), this.head(pullRequest.baseRefName), options.headline ?? pullRequest.title);
    this.branches.set(pullRequest.baseRefName, merged);
    pullRequest.state = "MERGED";
    pullRequest.mergeMethod = options.method ?? "MERGE";
    pullRequest.mergedBy = options.by ?? this.viewerLogin;
    pullRequest.mergedAt = this.time;
    pullRequest.closedAt = this.time;
    pullRequest.mergeCommitOid = merged;
    pullRequest.mergeCommitBody = options.body ?? "";
    if (options.expectedHeadOid !== undefined) pullRequest.mergedWithExpectedHead = options.expectedHeadOid;
    this.touch(pullRequest);
    return merged;
  }

  /**
   * A three-way merge of `head` into `base`, file by file, as git does it for
   * GitHub's merge button: a file changed on one side since their common
   * ancestor takes that side; changed on both sides to different texts is a
   * conflict, and GitHub refuses the merge ("not mergeable").
   */
  private mergedFiles(head: string, base: string): Map<string, string> {
    const headFiles = this.commits.get(head)?.files ?? new Map<string, string>();
    const baseFiles = this.commits.get(base)?.files ?? new Map<string, string>();
    const ancestors = new Set<string>();
    for (let current: string | undefined = head; current !== undefined; current = this.commits.get(current)?.parent) ancestors.add(current);
    let common: string | undefined = base;
    while (common !== undefined && !ancestors.has(common)) common = this.commits.get(common)?.parent;
    const ancestorFiles = (common === undefined ? undefined : this.commits.get(common)?.files) ?? new Map<string, string>();
    const result = new Map<string, string>();
    for (const path of new Set([...headFiles.keys(), ...baseFiles.keys(), ...ancestorFiles.keys()])) {
      const [ours, theirs, original] = [baseFiles.get(path), headFiles.get(path), ancestorFiles.get(path)];
      let text: string | undefined;
      if (theirs === original || theirs === ours) text = ours;
      else if (ours === original) text = theirs;
      else throw new Error("Pull Request is not mergeable");
      if (text !== undefined) result.set(path, text);
    }
    return result;
  }

  /** The merges made into a branch, newest first (merge commits the fake made). */
  mergedPullRequests(): FakePullRequest[] {
    return this.pullRequests.filter((pullRequest) => pullRequest.state === "MERGED");
  }

  private commit(files: ReadonlyMap<string, string>, parent: string | undefined, message: string, body?: string): string {
    const oid = createHash("sha1").update(`${this.#counter++}:${message}:${[...files].join("\n")}`).digest("hex");
    this.commits.set(oid, { files, parent, message, body });
    return oid;
  }

  private blobOid(text: string): string {
    return createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex");
  }

  private revisionFiles(revision: string): ReadonlyMap<string, string> | undefined {
    const branch = revision === "HEAD" ? this.defaultBranch : revision;
    const oid = this.branches.get(branch) ?? (this.commits.has(revision) ? revision : undefined);
    return oid ? this.commits.get(oid)?.files : undefined;
  }

  private treeEntries(files: ReadonlyMap<string, string>, folder: string, depth: number, withText: boolean): unknown[] | undefined {
    const prefix = folder === "" ? "" : `${folder}/`;
    const names = new Map<string, "blob" | "tree">();
    for (const path of files.keys()) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf("/");
      names.set(slash === -1 ? rest : rest.slice(0, slash), slash === -1 ? "blob" : "tree");
    }
    if (names.size === 0) return undefined;
    return [...names].sort().map(([name, type]) => {
      const path = `${prefix}${name}`;
      if (type === "blob") {
        const text = files.get(path) ?? "";
        return {
          name,
          type,
          oid: this.blobOid(text),
          size: Buffer.byteLength(text),
          object: withText ? { isBinary: false, isTruncated: false, text } : { isBinary: false },
        };
      }
      const oid = createHash("sha1").update(`tree:${path}`).digest("hex");
      return {
        name,
        type,
        oid,
        size: 0,
        object: depth <= 1 ? { oid } : { entries: this.treeEntries(files, path, depth - 1, withText) },
      };
    });
  }

  private blobByOid(oid: string): string | undefined {
    for (const commit of this.commits.values()) {
      for (const text of commit.files.values()) if (this.blobOid(text) === oid) return text;
    }
    return undefined;
  }

  private refFor(qualifiedName: string): unknown {
    const branch = qualifiedName.replace(/^refs\/heads\//, "");
    const oid = this.branches.get(branch);
    if (!oid) return null;
    return {
      id: `REF_${branch}`,
      name: branch,
      target: { oid, messageBody: this.commits.get(oid)?.body ?? "" },
      associatedPullRequests: {
        nodes: this.openPullRequests()
          .filter((pullRequest) => pullRequest.headRefName === branch)
          .map((pullRequest) => ({
            id: pullRequest.id,
            number: pullRequest.number,
            url: pullRequest.url,
            body: pullRequest.body,
            headRefOid: oid,
            baseRefName: pullRequest.baseRefName,
            labels: { nodes: pullRequest.labels.map((name) => ({ name })) },
          })),
      },
    };
  }

  // ---- Queries ---------------------------------------------------------------

  /** Answers a query document from its variables (Bender's aliases follow its variable names). */
  answerQuery(query: string, variables: Record<string, string>): { data: unknown } {
    const operation = /^query (\w+)/.exec(query)?.[1];
    if (operation === "BenderReadState") return { data: { repository: this.readState(query, variables) } };
    if (operation === "BenderReadObjects") return { data: { repository: this.readObjects(variables) } };
    if (operation === "BenderConfig" || operation === "BenderConfigAt") {
      const [revision = "", path = ""] = (variables.expression ?? "").split(/:(.*)/s);
      const text = this.revisionFiles(revision)?.get(path);
      return { data: { repository: { object: text === undefined ? null : { oid: this.blobOid(text), text } } } };
    }
    if (operation === "BenderDiscover") {
      const data: Record<string, unknown> = {};
      for (const key of Object.keys(variables).filter((name) => /^o\d+$/.test(name))) {
        const index = key.slice(1);
        const mine = variables[key] === this.owner && variables[`n${index}`] === this.name;
        const [revision = "", path = ""] = (variables.expression ?? "").split(/:(.*)/s);
        const text = mine ? this.revisionFiles(revision)?.get(path) : undefined;
        data[`r${index}`] = { nameWithOwner: `${variables[key]}/${variables[`n${index}`]}`, object: text === undefined ? null : { oid: this.blobOid(text), text } };
      }
      return { data };
    }
    if (operation === "BenderPullRequest") {
      const pullRequest = this.pullRequests.find((candidate) => candidate.number === Number(variables.number));
      const repository: Record<string, unknown> = { pullRequest: pullRequest ? this.graphqlPullRequest(pullRequest) : null };
      const comments = /comments\(last: (?<count>\d+)\)/.exec(query)?.groups?.count;
      if (pullRequest && comments !== undefined) (repository.pullRequest as Record<string, unknown>).comments = this.lastComments(pullRequest, Number(comments));
      if (variables.freezes !== undefined) {
        const [revision = "", path = ""] = variables.freezes.split(/:(.*)/s);
        const text = this.revisionFiles(revision)?.get(path);
        repository.freezes = text === undefined ? null : { text };
      }
      return { data: { repository } };
    }
    if (operation === "BenderFreezesRead") {
      const branch = variables.branch === undefined ? this.defaultBranch : variables.branch.replace(/^refs\/heads\//, "");
      const oid = this.branches.get(branch);
      const text = oid === undefined ? undefined : this.commits.get(oid)?.files.get(variables.path ?? "");
      const ref = oid === undefined ? null : { name: branch, target: { oid, file: text === undefined ? null : { object: { text } } } };
      return { data: { repository: { nameWithOwner: this.nameWithOwner, ref } } };
    }
    if (operation === "BenderFreezesChange") {
      const branch = variables.branch === undefined ? this.defaultBranch : variables.branch.replace(/^refs\/heads\//, "");
      const oid = this.branches.get(branch);
      const changed = oid === undefined ? undefined : this.lastChange(oid, variables.path ?? "");
      const commit = changed === undefined ? undefined : this.commits.get(changed);
      const nodes = commit === undefined ? [] : [{ messageHeadline: commit.message, messageBody: commit.body ?? "", committedDate: this.time, url: `https://github.com/${this.nameWithOwner}/commit/${changed}` }];
      return { data: { repository: { ref: oid === undefined ? null : { target: { history: { nodes } } } } } };
    }
    if (operation === "BenderUnpinRead") return { data: { repository: this.unpinRead(query, variables) } };
    if (operation === "BenderRunning") {
      const repository: Record<string, unknown> = {};
      for (const [key, expression] of Object.entries(variables)) {
        if (!/^f\d+$/.test(key)) continue;
        const [revision = "", path = ""] = expression.split(/:(.*)/s);
        const text = this.revisionFiles(revision)?.get(path);
        repository[key] = text === undefined ? null : { text };
      }
      return { data: { repository } };
    }
    if (operation === "BenderStatus") {
      const repository: Record<string, unknown> = {};
      for (const key of Object.keys(variables).filter((name) => /^l\d+$/.test(name))) {
        const index = key.slice(1);
        const labels = variables[key] as unknown as string[];
        const comments = /comments\(last: (?<count>\d+)\)/.exec(query)?.groups?.count;
        repository[`open${index}`] = {
          nodes: this.byLabels(labels, "OPEN")
            .slice(0, 10)
            .map((pullRequest) => ({
              ...this.listedPullRequest(pullRequest),
              // Asked only where approvals count: each open proposal's head and last comments.
              ...(comments === undefined ? {} : { headRefOid: this.head(pullRequest.headRefName), comments: this.lastComments(pullRequest, Number(comments)) }),
            })),
        };
        repository[`pinned${index}`] = { nodes: this.byLabels(labels, "MERGED").slice(0, 20).map((pullRequest) => this.listedPullRequest(pullRequest)) };
        const [revision = "", path = ""] = (variables[`h${index}`] ?? "").split(/:(.*)/s);
        const text = this.revisionFiles(revision)?.get(path);
        repository[`holds${index}`] = text === undefined ? null : { text };
        if (variables[`f${index}`] !== undefined) {
          const [freezesRevision = "", freezesPath = ""] = (variables[`f${index}`] ?? "").split(/:(.*)/s);
          const freezes = this.revisionFiles(freezesRevision)?.get(freezesPath);
          repository[`freezes${index}`] = freezes === undefined ? null : { text: freezes };
        }
      }
      if (query.includes("deployments(")) repository.deployments = { nodes: this.deployments.slice(0, 100) };
      return { data: { repository } };
    }
    if (operation === "BenderSweep") {
      const prefix = (variables.temporary ?? "").replace(/^refs\/heads\//, "");
      return {
        data: {
          repository: {
            id: this.id,
            temporary: { nodes: [...this.branches].filter(([branch]) => branch.startsWith(prefix)).map(([branch, oid]) => ({ name: branch.slice(prefix.length), target: { oid } })) },
            proposals: {
              nodes: this.openPullRequests()
                .sort((a, b) => (b.updated ?? 0) - (a.updated ?? 0))
                .map((pullRequest) => ({ number: pullRequest.number, headRefName: pullRequest.headRefName, body: pullRequest.body, labels: { nodes: pullRequest.labels.map((name) => ({ name })) } })),
            },
          },
        },
      };
    }
    if (operation === "BenderArmedAutoMerges") {
      const labels = variables.labels as unknown as string[];
      return { data: { repository: { pullRequests: { nodes: this.byLabels(labels, "OPEN").slice(0, 100).map((pullRequest) => this.graphqlPullRequest(pullRequest)) } } } };
    }
    if (operation === "BenderPolicySweep") return { data: { repository: this.policySweep(variables) } };
    if (operation === "BenderHistory") {
      const labels = variables.labels as unknown as string[];
      return { data: { repository: { pullRequests: { nodes: this.byLabels(labels, "MERGED").slice(0, 50).map((pullRequest) => this.listedPullRequest(pullRequest)) } } } };
    }
    throw new Error(`the fake does not know query ${operation}`);
  }

  /** The policy sweep's read: the config's blob, the freezes file at each branch asked for, the open PRs with their comments. */
  private policySweep(variables: Record<string, string>): Record<string, unknown> {
    const branch = (name: string) => {
      const oid = this.branches.get(name);
      const text = oid === undefined ? undefined : this.commits.get(oid)?.files.get(variables.path ?? "");
      return oid === undefined ? null : { name, target: { oid, file: text === undefined ? null : { object: { text } } } };
    };
    const [revision = "", path = ""] = (variables.config ?? "").split(/:(.*)/s);
    const config = this.revisionFiles(revision)?.get(path);
    const repository: Record<string, unknown> = {
      nameWithOwner: this.nameWithOwner,
      config: config === undefined ? null : { oid: this.blobOid(config) },
      defaultBranch: branch(this.defaultBranch),
      proposals: {
        nodes: this.openPullRequests()
          .sort((a, b) => (b.updated ?? 0) - (a.updated ?? 0))
          .slice(0, 100)
          .map((pullRequest) => ({
            id: pullRequest.id,
            number: pullRequest.number,
            url: pullRequest.url,
            headRefName: pullRequest.headRefName,
            headRefOid: this.head(pullRequest.headRefName),
            body: pullRequest.body,
            autoMergeRequest: pullRequest.autoMerge ? { enabledAt: pullRequest.autoMerge.enabledAt } : null,
            comments: this.lastComments(pullRequest, 100),
          })),
      },
    };
    for (const key of Object.keys(variables).filter((name) => /^b\d+$/.test(name))) repository[key] = branch((variables[key] ?? "").replace(/^refs\/heads\//, ""));
    return repository;
  }

  /** Pull requests carrying every label given, in a state, most recently updated first. */
  private byLabels(labels: readonly string[], state: FakePullRequest["state"]): FakePullRequest[] {
    return this.pullRequests
      .filter((pullRequest) => pullRequest.state === state && labels.every((label) => pullRequest.labels.includes(label)))
      .sort((a, b) => (b.updated ?? 0) - (a.updated ?? 0));
  }

  private listedPullRequest(pullRequest: FakePullRequest): Record<string, unknown> {
    return {
      number: pullRequest.number,
      url: pullRequest.url,
      title: pullRequest.title,
      body: pullRequest.body,
      mergedAt: pullRequest.mergedAt ?? null,
      mergedBy: pullRequest.mergedBy ? { login: pullRequest.mergedBy } : null,
      mergeCommit: pullRequest.mergeCommitOid ? { oid: pullRequest.mergeCommitOid, messageBody: pullRequest.mergeCommitBody ?? "" } : null,
    };
  }

  /** A pull request with every field Bender's pull request query may ask for. */
  private graphqlPullRequest(pullRequest: FakePullRequest): Record<string, unknown> {
    const head = this.branches.get(pullRequest.headRefName);
    return {
      ...this.listedPullRequest(pullRequest),
      id: pullRequest.id,
      state: pullRequest.state,
      // GitHub keeps the last head of a PR whose branch was deleted.
      headRefOid: head ?? pullRequest.mergedWithExpectedHead ?? ZERO_OID,
      headRefName: pullRequest.headRefName,
      headRef: head ? { id: `REF_${pullRequest.headRefName}` } : null,
      baseRefName: pullRequest.baseRefName,
      closedAt: pullRequest.closedAt ?? null,
      autoMergeRequest: pullRequest.autoMerge ? { enabledAt: pullRequest.autoMerge.enabledAt } : null,
    };
  }

  private unpinRead(query: string, variables: Record<string, string>): Record<string, unknown> {
    const object = (expression: string | undefined) => {
      const [revision = "", path = ""] = (expression ?? "").split(/:(.*)/s);
      const text = this.revisionFiles(revision)?.get(path);
      return text === undefined ? null : { text };
    };
    const base = (variables.base ?? "").replace(/^refs\/heads\//, "");
    const baseOid = this.branches.get(base);
    const latest = this.pullRequests
      .filter((pullRequest) => pullRequest.headRefName === variables.head && pullRequest.state === "MERGED")
      .sort((a, b) => (b.updated ?? 0) - (a.updated ?? 0))
      .slice(0, 1);
    const label = (name: string | undefined) => {
      const id = name === undefined ? undefined : this.labels.get(name);
      return id ? { id } : null;
    };
    const repository: Record<string, unknown> = {
      id: this.id,
      nameWithOwner: this.nameWithOwner,
      defaultBranchRef: { name: this.defaultBranch },
      base: baseOid ? { name: base, target: { oid: baseOid } } : null,
      holds: object(variables.holds),
      latest: { nodes: latest.map((pullRequest) => ({ number: pullRequest.number, url: pullRequest.url })) },
      label: label(variables.label),
      environmentLabel: label(variables.environmentLabel),
    };
    for (const key of Object.keys(variables).filter((name) => /^f\d+$/.test(name))) {
      if (query.includes(`${key}: object(`)) repository[key] = object(variables[key]);
    }
    return repository;
  }

  private readState(query: string, variables: Record<string, string>): Record<string, unknown> {
    const withText = query.includes("isTruncated text");
    const repository: Record<string, unknown> = {
      id: this.id,
      nameWithOwner: this.nameWithOwner,
      defaultBranchRef: { name: this.defaultBranch, target: { oid: this.head() } },
    };
    const config = this.revisionFiles("HEAD")?.get(".github/bender.yml");
    repository.config = config === undefined ? null : { oid: this.blobOid(config) };
    for (const [key, value] of Object.entries(variables)) {
      const tree = /^tree(?<environment>\d+)_(?<folder>\d+)$/.exec(key)?.groups;
      if (tree) {
        const [revision = "", folder = ""] = value.split(/:(.*)/s);
        const files = this.revisionFiles(revision);
        const entries = files ? this.treeEntries(files, folder, TREE_DEPTH, withText) : undefined;
        repository[`e${tree.environment}_t${tree.folder}`] = entries ? { entries } : null;
        continue;
      }
      const match = /^(?<kind>holds|freezes|proposal|branch|label|head)(?<index>\d+)$/.exec(key)?.groups;
      if (!match) continue;
      if (match.kind === "holds" || match.kind === "freezes") {
        const [revision = "", path = ""] = value.split(/:(.*)/s);
        const text = this.revisionFiles(revision)?.get(path);
        repository[`e${match.index}_${match.kind}`] = text === undefined ? null : { text };
      } else if (match.kind === "head") {
        const closed = this.pullRequests.filter((pullRequest) => pullRequest.headRefName === value && pullRequest.state === "CLOSED").at(-1);
        repository[`e${match.index}_closed`] = { nodes: closed ? [{ number: closed.number, url: closed.url, body: closed.body }] : [] };
      } else if (match.kind === "proposal") {
        repository[`e${match.index}_proposal`] = this.refFor(value);
      } else if (match.kind === "branch") {
        const branch = value.replace(/^refs\/heads\//, "");
        const oid = this.branches.get(branch);
        repository[`e${match.index}_branch`] = oid ? { name: branch, target: { oid } } : null;
      } else {
        const id = this.labels.get(value);
        repository[`l${match.index}`] = id ? { id, name: value } : null;
      }
    }
    return repository;
  }

  private readObjects(variables: Record<string, string>): Record<string, unknown> {
    const repository: Record<string, unknown> = {};
    for (const [key, oid] of Object.entries(variables)) {
      if (/^b\d+$/.test(key)) {
        const text = this.blobByOid(oid);
        repository[key] = text === undefined ? null : { isBinary: false, isTruncated: false, text };
      }
    }
    return repository;
  }

  // ---- Mutations -------------------------------------------------------------

  /** Runs a mutation document's fields in order, as GitHub does, collecting per-field errors. */
  answerMutation(query: string, variables: Record<string, Record<string, unknown>>): { data: Record<string, unknown>; errors?: GraphqlError[] } {
    const data: Record<string, unknown> = {};
    const errors: GraphqlError[] = [];
    for (const match of query.matchAll(/(?:(?<alias>\w+): )?(?<mutation>\w+)\(input: \$(?<variable>\w+)\)/g)) {
      const { mutation = "", variable = "" } = match.groups ?? {};
      const alias = match.groups?.alias ?? mutation;
      try {
        data[alias] = this.mutate(mutation, variables[variable] ?? {});
      } catch (error) {
        data[alias] = null;
        errors.push({ path: [alias], message: (error as Error).message, type: "UNPROCESSABLE" });
      }
    }
    return errors.length > 0 ? { data, errors } : { data };
  }

  private mutate(mutation: string, input: Record<string, unknown>): unknown {
    switch (mutation) {
      case "createLabel": {
        const name = String(input.name);
        if (this.labels.has(name)) throw new Error("Name has already been taken");
        const id = `LA_${name}`;
        this.labels.set(name, id);
        return { label: { id, name } };
      }
      case "createRef": {
        const branch = String(input.name).replace(/^refs\/heads\//, "");
        if (this.branches.has(branch)) throw new Error(`A ref named "${input.name}" already exists in the repository.`);
        this.branches.set(branch, String(input.oid));
        return { ref: { id: `REF_${branch}`, name: branch, target: { oid: input.oid } } };
      }
      case "deleteRef": {
        const branch = String(input.refId).replace(/^REF_/, "");
        if (!this.branches.delete(branch)) throw new Error(`Could not resolve to a node with the global id of '${input.refId}'`);
        for (const pullRequest of this.openPullRequests()) if (pullRequest.headRefName === branch) pullRequest.state = "CLOSED";
        return { clientMutationId: null };
      }
      case "updateRef": {
        const branch = String(input.refId).replace(/^REF_/, "");
        if (!this.branches.has(branch)) throw new Error(`Could not resolve to a node with the global id of '${input.refId}'`);
        this.branches.set(branch, String(input.oid));
        return { ref: { id: input.refId, target: { oid: input.oid } } };
      }
      case "updateRefs": {
        // All or nothing, each update checked against its beforeOid, as GitHub does.
        const updates = input.refUpdates as { name: string; afterOid: string; beforeOid?: string; force?: boolean }[];
        for (const update of updates) {
          const branch = update.name.replace(/^refs\/heads\//, "");
          const current = this.branches.get(branch);
          const expected = update.beforeOid === undefined ? undefined : update.beforeOid === ZERO_OID ? undefined : update.beforeOid;
          if (update.beforeOid !== undefined && current !== expected) {
            throw new Error(`A ref update failed: ${update.name} is at ${current ?? ZERO_OID}, not the expected ${update.beforeOid}`);
          }
          if (current !== undefined && update.afterOid !== ZERO_OID && !update.force && !this.descends(update.afterOid, current)) {
            throw new Error(`A ref update failed: ${update.name} is not a fast forward`);
          }
        }
        for (const update of updates) {
          const branch = update.name.replace(/^refs\/heads\//, "");
          if (update.afterOid === ZERO_OID) {
            this.branches.delete(branch);
            // GitHub closes the open pull requests of a deleted head branch.
            for (const pullRequest of this.openPullRequests()) if (pullRequest.headRefName === branch) pullRequest.state = "CLOSED";
          } else this.branches.set(branch, update.afterOid);
        }
        return { clientMutationId: null };
      }
      case "createCommitOnBranch": {
        const target = input.branch as { repositoryNameWithOwner: string; branchName: string };
        const head = this.branches.get(target.branchName);
        if (!head) throw new Error(`Branch ${target.branchName} not found`);
        if (head !== input.expectedHeadOid) throw new Error(`Expected branch to point to "${String(input.expectedHeadOid)}" but it did not. Pull and try again.`);
        const files = new Map(this.commits.get(head)?.files);
        const additions = ((input.fileChanges as { additions?: { path: string; contents: string }[] }).additions ?? []);
        for (const addition of additions) files.set(addition.path, Buffer.from(addition.contents, "base64").toString("utf8"));
        const message = input.message as { headline: string; body?: string };
        const oid = this.commit(files, head, message.headline, message.body);
        this.branches.set(target.branchName, oid);
        return { commit: { oid, url: `https://github.com/${this.nameWithOwner}/commit/${oid}` } };
      }
      case "createPullRequest": {
        const head = String(input.headRefName);
        if (!this.branches.has(head)) throw new Error(`Head sha can't be blank, Base sha can't be blank, No commits between ${String(input.baseRefName)} and ${head}`);
        if (this.openPullRequests().some((pullRequest) => pullRequest.headRefName === head)) {
          throw new Error(`A pull request already exists for ${this.owner}:${head}.`);
        }
        tooLongBody(input.body);
        const pullRequest = this.newPullRequest(head, String(input.baseRefName), String(input.title), String(input.body));
        return { pullRequest: { id: pullRequest.id, number: pullRequest.number, url: pullRequest.url, headRefOid: this.head(head) } };
      }
      case "updatePullRequest": {
        const pullRequest = this.pullRequest(String(input.pullRequestId));
        tooLongBody(input.body);
        if (input.title !== undefined) pullRequest.title = String(input.title);
        if (input.body !== undefined) pullRequest.body = String(input.body);
        this.touch(pullRequest);
        return { pullRequest: { id: pullRequest.id, number: pullRequest.number, url: pullRequest.url, state: pullRequest.state } };
      }
      case "addComment": {
        const commented = this.pullRequest(String(input.subjectId));
        const body = String(input.body ?? "");
        // GitHub's refusals for a comment's body.
        if (body.trim() === "") throw new Error("Body can't be blank");
        tooLongBody(body);
        commented.comments.push(body);
        commented.commentedBy?.push(this.viewerLogin);
        this.touch(commented);
        // The payload's subject is read after the comment is added (Bender reads the comments back in it).
        const head = this.branches.get(commented.headRefName);
        return {
          clientMutationId: null,
          subject: { state: commented.state, headRefOid: head ?? commented.mergedWithExpectedHead ?? ZERO_OID, comments: this.lastComments(commented, 100) },
        };
      }
      case "addLabelsToLabelable": {
        const pullRequest = this.pullRequest(String(input.labelableId));
        for (const id of input.labelIds as string[]) {
          const name = [...this.labels].find(([, labelId]) => labelId === id)?.[0];
          if (!name) throw new Error(`Could not resolve to a node with the global id of '${id}'`);
          if (!pullRequest.labels.includes(name)) pullRequest.labels.push(name);
        }
        this.touch(pullRequest);
        return { clientMutationId: null, labelable: { state: pullRequest.state } };
      }
      case "mergePullRequest": {
        const pullRequest = this.pullRequest(String(input.pullRequestId));
        if (pullRequest.state === "OPEN" && this.mergeRefusal !== undefined) throw new Error(this.mergeRefusal);
        const merged = this.merge(pullRequest, {
          headline: input.commitHeadline === undefined ? undefined : String(input.commitHeadline),
          body: input.commitBody === undefined ? undefined : String(input.commitBody),
          method: String(input.mergeMethod ?? "MERGE"),
          expectedHeadOid: input.expectedHeadOid === undefined ? undefined : String(input.expectedHeadOid),
        });
        return { pullRequest: { id: pullRequest.id, number: pullRequest.number, url: pullRequest.url, merged: true, mergeCommit: { oid: merged } } };
      }
      case "closePullRequest": {
        const pullRequest = this.pullRequest(String(input.pullRequestId));
        if (pullRequest.state === "MERGED") throw new Error("Pull request is already merged");
        pullRequest.state = "CLOSED";
        pullRequest.closedAt = this.time;
        this.touch(pullRequest);
        return { pullRequest: { id: pullRequest.id, state: pullRequest.state } };
      }
      case "enablePullRequestAutoMerge": {
        const pullRequest = this.pullRequest(String(input.pullRequestId));
        if (pullRequest.state !== "OPEN") throw new Error("Pull request is not open");
        if (input.expectedHeadOid !== undefined && input.expectedHeadOid !== this.head(pullRequest.headRefName)) {
          throw new Error("Head branch was modified. Review and try the merge again.");
        }
        // GitHub arms auto-merge only on a PR that cannot merge yet; one that would merge now is refused.
        if (this.mergeRefusal === undefined) throw new Error("Pull request is in clean status");
        pullRequest.autoMerge = {
          expectedHeadOid: input.expectedHeadOid === undefined ? undefined : String(input.expectedHeadOid),
          mergeMethod: String(input.mergeMethod ?? "MERGE"),
          enabledAt: this.time,
          // The merge commit's headline and body GitHub will use when it merges.
          ...(input.commitHeadline === undefined ? {} : { commitHeadline: String(input.commitHeadline) }),
          ...(input.commitBody === undefined ? {} : { commitBody: String(input.commitBody) }),
        };
        this.touch(pullRequest);
        return { pullRequest: { id: pullRequest.id, autoMergeRequest: { enabledAt: this.time } } };
      }
      case "disablePullRequestAutoMerge": {
        const pullRequest = this.pullRequest(String(input.pullRequestId));
        if (pullRequest.state !== "OPEN") throw new Error("Pull request is not open");
        delete pullRequest.autoMerge;
        this.touch(pullRequest);
        return { pullRequest: { id: pullRequest.id, autoMergeRequest: null } };
      }
      default:
        throw new Error(`the fake does not know mutation ${mutation}`);
    }
  }

  private descends(oid: string, ancestor: string): boolean {
    for (let current: string | undefined = oid; current !== undefined; current = this.commits.get(current)?.parent) {
      if (current === ancestor) return true;
    }
    return false;
  }

  private pullRequest(id: string): FakePullRequest {
    const pullRequest = this.pullRequests.find((candidate) => candidate.id === id);
    if (!pullRequest) throw new Error(`Could not resolve to a node with the global id of '${id}'`);
    return pullRequest;
  }

  // ---- nock ------------------------------------------------------------------

  /**
   * Expects these GraphQL operations, in this order, each once. An operation
   * may be given with a function that answers in place of the fake (to inject
   * a fault), returning [status, body, headers?], or with a hook that changes
   * the fake just before it answers (to simulate a racing writer).
   */
  expectGraphql(...operations: ExpectedOperation[]): nock.Scope {
    const answer = this.answerDocument.bind(this);
    const changeFake = (hook: BeforeAnswer, request: { query: string; variables: Record<string, never> }): void => hook(this, request);
    const scope = nock(API);
    for (const expected of operations) {
      const operation = typeof expected === "string" ? expected : expected.operation;
      scope
        .post("/graphql", (body: { query?: string }) => new RegExp(`^(query|mutation) ${operation}\\(`).test(body.query ?? ""))
        .reply(function (this: nock.ReplyFnContext, _uri, body) {
          return answer(operation, body, this.req.headers, (request) => {
            if (typeof expected !== "string" && "reply" in expected) return expected.reply();
            if (typeof expected !== "string") changeFake(expected.before, request);
            return undefined;
          });
        });
    }
    return scope;
  }

  /**
   * Answers any of these operations, any number of times (at least once
   * each), for tests whose request count is not fixed (concurrent clicks).
   */
  serveGraphql(...operations: string[]): nock.Scope {
    const answer = this.answerDocument.bind(this);
    const scope = nock(API).persist();
    for (const operation of operations) {
      scope
        .post("/graphql", (body: { query?: string }) => new RegExp(`^(query|mutation) ${operation}\\(`).test(body.query ?? ""))
        .reply(function (this: nock.ReplyFnContext, _uri, body) {
          return answer(operation, body, this.req.headers);
        });
    }
    return scope;
  }

  /**
   * Answers every GraphQL document, any number of times or none, for tests
   * of concurrent writers whose request sequence is not fixed. Documents are
   * still validated against GitHub's schema. `delay` (ms, given the
   * operation's name) may hold each answer back, so concurrent writers
   * interleave.
   */
  serveAllGraphql(delay: (operation: string | undefined) => number = () => 0): nock.Scope {
    const answer = this.answerDocument.bind(this);
    return nock(API)
      .persist()
      .post("/graphql")
      .optionally()
      .reply(async function (this: nock.ReplyFnContext, _uri, body) {
        const operation = /^(?:query|mutation) (\w+)/.exec((body as { query: string }).query)?.[1];
        const headers = this.req.headers;
        await new Promise((resolve) => setTimeout(resolve, delay(operation)));
        return answer(operation, body, headers);
      });
  }

  /**
   * Records a GraphQL request; refuses, as GitHub does, one without a token (401) and a document GitHub's schema
   * would refuse; answers the rest. `override` may answer instead (a scripted reply) or act just before the answer.
   */
  private answerDocument(
    operation: string | undefined,
    body: unknown,
    headers: Record<string, string | string[] | undefined>,
    override?: (request: { query: string; variables: Record<string, never> }) => [number, unknown, Record<string, string>?] | undefined,
  ): [number, unknown, Record<string, string>?] {
    const { query, variables } = body as { query: string; variables: Record<string, never> };
    this.requests.push({ method: "POST", path: "/graphql", operation, body });
    const authorization = headers.authorization;
    if (typeof authorization !== "string" || !/^(?:token|bearer) \S+$/i.test(authorization)) {
      return [401, { message: "This endpoint requires you to be authenticated.", documentation_url: "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql" }];
    }
    const errors = validate(query);
    if (errors.length > 0) {
      invalidDocuments.push({ operation, errors: errors.map((error: { message: string }) => error.message) });
      return [400, { message: "invalid document" }];
    }
    const scripted = override?.({ query, variables });
    if (scripted !== undefined) return scripted;
    return [200, query.startsWith("mutation") ? this.answerMutation(query, variables) : this.answerQuery(query, variables)];
  }

  /** Expects POST /repos/{owner}/{repo}/check-runs and records the check run. */
  expectCheckRun(): nock.Scope {
    return nock(API)
      .post(`/repos/${this.owner}/${this.name}/check-runs`)
      .reply(201, (_uri, body) => {
        const run = body as FakeCheckRun;
        this.record("POST", `/repos/${this.owner}/${this.name}/check-runs`, body);
        this.checkRuns.push(run);
        return { id: this.checkRuns.length, name: run.name, head_sha: run.head_sha, status: run.status, conclusion: run.conclusion };
      });
  }

  /**
   * Expects DELETE /repos/{owner}/{repo}/git/refs/heads/{branch}: 204 when the
   * branch exists, otherwise 422 "Reference does not exist" as GitHub answers
   * (or the status given, to stand for another answer).
   */
  expectDeleteBranch(branch: string, missingStatus = 422): nock.Scope {
    const path = `/repos/${this.owner}/${this.name}/git/refs/heads/${branch}`;
    return nock(API)
      .delete((uri) => decodeURIComponent(uri) === path)
      .reply(() => {
        this.record("DELETE", path);
        if (!this.branches.delete(branch)) return [missingStatus, { message: "Reference does not exist", status: String(missingStatus) }];
        for (const pullRequest of this.openPullRequests()) if (pullRequest.headRefName === branch) pullRequest.state = "CLOSED";
        return [204, ""];
      });
  }

  /** Expects GET /repos/{owner}/{repo}/pulls/{number}, answered from the fake's pull requests (404 when there is none). */
  expectGetPullRequest(number: number): nock.Scope {
    const path = `/repos/${this.owner}/${this.name}/pulls/${number}`;
    return nock(API)
      .get(path)
      .reply(() => {
        this.record("GET", path);
        const pullRequest = this.pullRequests.find((candidate) => candidate.number === number);
        if (!pullRequest) return [404, { message: "Not Found", status: "404" }];
        return [200, this.restPullRequest(pullRequest)];
      });
  }

  /** A pull request in REST's shape (the fields Bender reads, and the usual ones around them). */
  restPullRequest(pullRequest: FakePullRequest): Record<string, unknown> {
    const head = this.branches.get(pullRequest.headRefName);
    return {
      url: `${API}/repos/${this.nameWithOwner}/pulls/${pullRequest.number}`,
      id: 1000 + pullRequest.number,
      node_id: pullRequest.id,
      html_url: pullRequest.url,
      number: pullRequest.number,
      state: pullRequest.state === "OPEN" ? "open" : "closed",
      merged: pullRequest.state === "MERGED",
      title: pullRequest.title,
      body: pullRequest.body,
      labels: pullRequest.labels.map((name) => ({ name })),
      head: { ref: pullRequest.headRefName, sha: head ?? "0".repeat(40) },
      base: { ref: pullRequest.baseRefName, sha: this.head(pullRequest.baseRefName) },
    };
  }

  /** Records a REST request made through nock for round-trip counts. */
  record(method: string, path: string, body: unknown = undefined): void {
    this.requests.push({ method, path, operation: undefined, body });
  }
}

/** An installation token, once per Probot instance (Probot caches it). */
export function expectInstallationToken(installationId = 1): nock.Scope {
  return nock(API)
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, { token: "ghs_testtoken", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {}, repository_selection: "all" });
}
