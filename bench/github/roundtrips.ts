/**
 * Scenario "github" (the driver; bench/scenarios/github.js compiles and runs it):
 * how many HTTP requests, and how many content-creating ones, Bender sends to
 * GitHub per build, counted where they leave the process (nock).
 *
 * Each case starts Bender's real server and a fresh fake repository
 * (test/support/fake-github.ts), sends one warm-up build of an image the
 * repository does not use (so the installation token, the installation
 * lookup, the config and the blob texts are cached, as on a server that has
 * been up for a while), resets the counters, and sends the measured build:
 * a signed POST /api/builds naming acme/manifests, or a signed
 * registry_package webhook (then discovery of manifest repositories is warmed
 * and cached the same way). After each case the fake is checked for the pull
 * requests, commits and merges the build should have made: a benchmark that
 * measures a no-op is worthless.
 *
 * One catch-all interceptor per method answers everything sent to
 * api.github.com: GraphQL documents go to the fake (after validation against
 * GitHub's published schema), the installation token and installation lookup
 * are answered here, and anything else is recorded as unexpected and fails
 * the run.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { validate } from "@octokit/graphql-schema";
import nock from "nock";
import { proposeBuild, proposeBuilds } from "../../src/github/propose-build.js";
import type { ProposalOutcome } from "../../src/github/propose-build.js";
import type { ProposalEvent } from "../../src/proposals/events.js";
import { deliver, postBuild, startBender } from "../../test/support/bender-server.js";
import type { RunningBender } from "../../test/support/bender-server.js";
import { API, FakeRepository } from "../../test/support/fake-github.js";
import { buildOf } from "../../test/support/manifests.js";
import { SLACK_SETTINGS } from "../../test/support/slack.js";
import type { Settings } from "../../src/server/settings.js";
import { ANNOUNCE_WAIT_MS } from "../../src/github/proposal-events.js";
import { decodeProposalMetadata } from "../../src/proposals/metadata.js";
import { testProposeContext } from "../../test/support/propose-context.js";

export interface RoundTripOptions {
  readonly repoRoot: string;
  readonly log: (line?: string) => void;
}

export interface RoundTripResult {
  readonly valid: boolean;
  readonly goalsMet: boolean;
  readonly figures: Record<string, unknown>;
}

const INSTALLATION = 52871234;
const OWNER = "acme";
const NAME = "manifests";
const REPOSITORY = `${OWNER}/${NAME}`;
const IMAGE = "ghcr.io/acme/api";
const WARM_UP_IMAGE = "ghcr.io/acme/warmup";
const TOKEN_PATH = /^\/app\/installations\/\d+\/access_tokens$/;
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);

const GOAL_FLOOR_A = 2;
const GOAL_MAX_A = 3;
const GOAL_MAX_A_CONTENT = 1;
const GOAL_MAX_F = 4;

// ---- Counting at the interception layer ---------------------------------------

interface Recorded {
  readonly method: string;
  readonly path: string;
  /** GraphQL operation name, e.g. BenderReadState. */
  readonly operation: string | undefined;
  /** The mutation fields of a write document, in order. */
  readonly mutations: readonly string[];
  readonly contentCreating: boolean;
  readonly sentBytes: number;
  readonly receivedBytes: number;
}

type Reply = [number, unknown];

function bytesOf(value: unknown): number {
  if (value === undefined || value === "") return 0;
  return Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value));
}

/** Everything Bender sends to api.github.com lands here. */
const SLACK_API = "https://slack.com";
const SLACK_PLACE = { channel: "C0DEPLOYS1", ts: "1748966400.000001" };

class GitHubAtNock {
  repository: FakeRepository | undefined;
  /** Slack Web API methods called, in order; chat.postMessage answers after slackDelayMs. */
  readonly slackCalls: string[] = [];
  slackDelayMs = 0;
  readonly requests: Recorded[] = [];
  /** Requests nothing should have made, invalid documents, requests to other hosts. */
  readonly problems: string[] = [];
  /** nock reports every request no interceptor took, Bender's own server (127.0.0.1, let through) included. */
  readonly #noMatch = (request: { method?: string; href?: string; path?: string; hostname?: string; host?: string }) => {
    const host = request.hostname ?? (request.href && URL.canParse(request.href) ? new URL(request.href).hostname : request.host);
    if (host === "127.0.0.1") return;
    this.problems.push(`request to an unintercepted address: ${request.method ?? "?"} ${request.href ?? `${request.host ?? ""}${request.path ?? ""}`}`);
  };

  install(): void {
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    nock.emitter.on("no match", this.#noMatch);
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
      nock(API)
        .persist()
        .intercept(() => true, method)
        .reply((uri, body) => this.#answer(method, uri, body));
    }
    // Slack's Web API, for the case with a channel: every call answered ok, chat.postMessage with a place.
    nock(SLACK_API)
      .persist()
      .post(/^\/api\/[\w.]+$/)
      .reply(async (uri) => {
        const method = uri.slice("/api/".length);
        this.slackCalls.push(method);
        if (method === "chat.postMessage") await new Promise((resolve) => setTimeout(resolve, this.slackDelayMs));
        return [200, method === "chat.postMessage" ? { ok: true, channel: SLACK_PLACE.channel, ts: SLACK_PLACE.ts } : { ok: true }];
      });
  }

  uninstall(): void {
    nock.emitter.removeListener("no match", this.#noMatch);
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  }

  #answer(method: string, uri: string, body: unknown): Reply {
    const path = uri.split("?")[0] ?? uri;
    let operation: string | undefined;
    let mutations: string[] = [];
    let reply: Reply;
    if (method === "POST" && path === "/graphql") {
      const { query = "", variables = {} } = (body ?? {}) as { query?: string; variables?: Record<string, never> };
      const header = /^(?<kind>query|mutation) (?<name>\w+)/.exec(query)?.groups;
      operation = header?.name ?? "(anonymous)";
      mutations = header?.kind === "mutation" ? [...query.matchAll(/\w+: (\w+)\(input:/g)].map((match) => match[1] ?? "") : [];
      reply = this.#graphql(operation, query, variables);
    } else {
      reply = this.#rest(method, path);
    }
    const contentCreating = mutations.length > 0 || (WRITE_METHODS.has(method) && path !== "/graphql" && !TOKEN_PATH.test(path));
    this.requests.push({ method, path, operation, mutations, contentCreating, sentBytes: bytesOf(body), receivedBytes: bytesOf(reply[1]) });
    return reply;
  }

  #graphql(operation: string, query: string, variables: Record<string, never>): Reply {
    const errors = validate(query);
    if (errors.length > 0) {
      this.problems.push(`${operation}: invalid against GitHub's schema: ${errors.map((error) => error.message).join("; ")}`);
      return [400, { message: "invalid document" }];
    }
    if (!this.repository) {
      this.problems.push(`${operation} sent while no repository was set up`);
      return [502, { message: "no repository" }];
    }
    return [200, query.startsWith("mutation") ? this.repository.answerMutation(query, variables) : this.repository.answerQuery(query, variables)];
  }

  #rest(method: string, path: string): Reply {
    if (method === "POST" && TOKEN_PATH.test(path)) {
      return [201, { token: "ghs_benchtoken", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {}, repository_selection: "all" }];
    }
    if (method === "GET" && path === `/repos/${REPOSITORY}/installation`) {
      return [200, { id: INSTALLATION, account: { login: OWNER }, app_id: 1 }];
    }
    if (method === "GET" && path === "/installation/repositories") {
      return [200, { total_count: 2, repositories: [{ full_name: REPOSITORY }, { full_name: `${OWNER}/api` }] }];
    }
    this.problems.push(`unexpected request: ${method} ${path}`);
    return [404, { message: "Not Found (the benchmark does not expect this request)" }];
  }
}

// ---- Figures -------------------------------------------------------------------

interface Figures {
  readonly requests: number;
  readonly reads: number;
  readonly contentCreating: number;
  readonly graphqlQueries: number;
  readonly mutationDocuments: number;
  readonly rest: number;
  readonly sentBytes: number;
  readonly receivedBytes: number;
  readonly sequence: readonly string[];
}

function describeRequest(request: Recorded): string {
  if (request.operation === undefined) return `${request.method} ${request.path.replace(/\/\d+\//, "/:id/")}`;
  if (request.mutations.length === 0) return request.operation;
  const counts = new Map<string, number>();
  for (const mutation of request.mutations) counts.set(mutation, (counts.get(mutation) ?? 0) + 1);
  return `${request.operation}[${[...counts].map(([mutation, count]) => (count > 1 ? `${mutation}×${count}` : mutation)).join(" ")}]`;
}

function figuresOf(requests: readonly Recorded[]): Figures {
  const contentCreating = requests.filter((request) => request.contentCreating).length;
  return {
    requests: requests.length,
    reads: requests.length - contentCreating - requests.filter((request) => request.method === "POST" && TOKEN_PATH.test(request.path)).length,
    contentCreating,
    graphqlQueries: requests.filter((request) => request.operation !== undefined && request.mutations.length === 0).length,
    mutationDocuments: requests.filter((request) => request.mutations.length > 0).length,
    rest: requests.filter((request) => request.operation === undefined).length,
    sentBytes: requests.reduce((sum, request) => sum + request.sentBytes, 0),
    receivedBytes: requests.reduce((sum, request) => sum + request.receivedBytes, 0),
    sequence: requests.map(describeRequest),
  };
}

// ---- Manifest repositories -------------------------------------------------------

function digestOf(tag: string): string {
  return `sha256:${createHash("sha256").update(`bench:${tag}`).digest("hex")}`;
}

function deployment(name: string, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: ${name}
          image: ${image}
          ports:
            - containerPort: 8080
`;
}

function config(environments: Record<string, { paths: string[]; autoPin?: boolean }>): string {
  const lines = ["environments:"];
  for (const [name, environment] of Object.entries(environments)) {
    lines.push(`  ${name}:`, `    paths: [${environment.paths.join(", ")}]`);
    if (environment.autoPin) lines.push("    autoPin: true");
  }
  return `${lines.join("\n")}\n`;
}

/** (a), (d), (e): one environment, the image in one file, other images beside it. */
function singleFileRepository(autoPin: boolean): FakeRepository {
  return new FakeRepository(OWNER, NAME, "main", {
    ".github/bender.yml": config({ production: { paths: ["clusters/prod"], autoPin } }),
    "clusters/prod/api.yaml": deployment("api", `${IMAGE}:1.4.0`),
    "clusters/prod/web.yaml": deployment("web", "ghcr.io/acme/web:3.1.0"),
    "clusters/prod/worker.yaml": deployment("worker", "ghcr.io/acme/worker:2.0.0"),
    "clusters/staging/api.yaml": deployment("api", `${IMAGE}:1.4.0`),
  });
}

const ENVIRONMENTS_B = ["dev", "staging", "production"];
const FILES_PER_ENVIRONMENT_B = 5;

/** (b), (c): three environments, the image in five files of each, two other files each. */
function threeEnvironmentRepository(): FakeRepository {
  const files: Record<string, string> = {
    ".github/bender.yml": config(Object.fromEntries(ENVIRONMENTS_B.map((environment) => [environment, { paths: [`clusters/${environment}`] }]))),
  };
  for (const environment of ENVIRONMENTS_B) {
    for (let index = 1; index <= FILES_PER_ENVIRONMENT_B; index++) {
      files[`clusters/${environment}/api-${index}/deployment.yaml`] = deployment(`api-${index}`, `${IMAGE}:1.4.0`);
    }
    files[`clusters/${environment}/web.yaml`] = deployment("web", "ghcr.io/acme/web:3.1.0");
    files[`clusters/${environment}/worker.yaml`] = deployment("worker", "ghcr.io/acme/worker:2.0.0");
  }
  return new FakeRepository(OWNER, NAME, "main", files);
}

const TEAMS_F = 20;

/** (f): `files` YAML files under clusters/<team>/, the image in three of them. */
function largeRepository(files: number): { repository: FakeRepository; targets: string[] } {
  const tree: Record<string, string> = { ".github/bender.yml": config({ production: { paths: ["clusters"] } }) };
  const targets: string[] = [];
  const targetIndexes = new Set([Math.floor(files / 7), Math.floor(files / 2), files - 3]);
  for (let index = 0; index < files; index++) {
    const team = `team-${String(index % TEAMS_F).padStart(2, "0")}`;
    const path = `clusters/${team}/svc-${String(index).padStart(4, "0")}.yaml`;
    if (targetIndexes.has(index)) {
      tree[path] = deployment(`api-${index}`, `${IMAGE}:1.4.0`);
      targets.push(path);
    } else {
      tree[path] = deployment(`svc-${index}`, `ghcr.io/acme/svc-${index}:1.${index % 10}.0`);
    }
  }
  return { repository: new FakeRepository(OWNER, NAME, "main", tree), targets: targets.sort() };
}

/** Paths whose text differs between the default branch and `branch`. */
function changedPaths(repository: FakeRepository, branch: string): string[] {
  const base = repository.commits.get(repository.head())?.files ?? new Map<string, string>();
  const head = repository.commits.get(repository.head(branch))?.files ?? new Map<string, string>();
  return [...new Set([...base.keys(), ...head.keys()])].filter((path) => base.get(path) !== head.get(path)).sort();
}

function branchOf(environment: string): string {
  return `bender/${environment}/ghcr.io-acme-api`;
}

// ---- Driving Bender ----------------------------------------------------------------

type Intake = "api" | "registry_package";

let packageFixture: Record<string, unknown> | undefined;

/** The registry_package fixture re-pointed at `name:tag`. */
function registryPackagePayload(repoRoot: string, name: string, tag: string): unknown {
  packageFixture ??= JSON.parse(readFileSync(join(repoRoot, "test", "fixtures", "webhooks", "registry_package.published.container.json"), "utf8")) as Record<string, unknown>;
  const payload = structuredClone(packageFixture) as { registry_package: Record<string, unknown> & { package_version: Record<string, unknown> & { container_metadata: { tag: Record<string, unknown> } } } };
  const digest = digestOf(tag);
  payload.registry_package.name = name;
  payload.registry_package.package_version.version = digest;
  payload.registry_package.package_version.name = digest;
  payload.registry_package.package_version.package_url = `ghcr.io/${OWNER}/${name}:${tag}`;
  payload.registry_package.package_version.container_metadata.tag = { name: tag, digest };
  return payload;
}

class Case {
  readonly failures: string[] = [];
  #mark = 0;

  private constructor(
    readonly github: GitHubAtNock,
    readonly repository: FakeRepository,
    readonly bender: RunningBender,
    readonly repoRoot: string,
    readonly intake: Intake,
  ) {}

  static async start(github: GitHubAtNock, repository: FakeRepository, repoRoot: string, intake: Intake = "api", settings: Partial<Settings> = {}): Promise<Case> {
    github.repository = repository;
    return new Case(github, repository, await startBender(settings), repoRoot, intake);
  }

  async close(): Promise<void> {
    await this.bender.close();
  }

  /** Sends one build; returns its outcomes (POST /api/builds) and the requests it made. */
  async build(image: string, tag: string): Promise<{ outcomes: ProposalOutcome[]; events: ProposalEvent[]; requests: Recorded[] }> {
    this.#mark = this.github.requests.length;
    const emitted = this.bender.emitted.length;
    let outcomes: ProposalOutcome[] = [];
    if (this.intake === "api") {
      const response = await postBuild(this.bender, { image: `${image}:${tag}@${digestOf(tag)}`, repositories: [REPOSITORY] });
      if (response.status !== 202) throw new Error(`POST /api/builds ${image}:${tag} answered ${response.status}: ${JSON.stringify(response.json)}`);
      outcomes = response.proposals as unknown as ProposalOutcome[];
    } else {
      const name = image.split("/").pop() ?? "";
      const response = await deliver(this.bender, "registry_package", registryPackagePayload(this.repoRoot, name, tag));
      if (response.status !== 200) throw new Error(`registry_package ${image}:${tag} answered ${response.status}: ${response.text}`);
    }
    return { outcomes, events: this.bender.emitted.slice(emitted), requests: this.github.requests.slice(this.#mark) };
  }

  /** The warm-up: an image the repository does not use, so nothing is written, but everything is cached. */
  async warmUp(): Promise<Recorded[]> {
    const { outcomes, requests } = await this.build(WARM_UP_IMAGE, "1.0.0");
    if (outcomes.some((outcome) => outcome.action !== "none")) this.failures.push(`warm-up: expected no proposal, got ${JSON.stringify(outcomes)}`);
    if (requests.some((request) => request.contentCreating)) this.failures.push("warm-up: wrote to GitHub");
    return requests;
  }
}

interface Row {
  readonly key: string;
  readonly label: string;
  readonly figures: Figures;
  readonly failures: readonly string[];
}

// ---- Cases -----------------------------------------------------------------------------

async function caseAD(github: GitHubAtNock, repoRoot: string): Promise<{ warmUp: Recorded[]; rows: Row[] }> {
  const run = await Case.start(github, singleFileRepository(false), repoRoot);
  try {
    const warmUp = await run.warmUp();
    const repository = run.repository;
    const branch = branchOf("production");

    // (a) first build, one file, one environment.
    const a = await run.build(IMAGE, "1.4.1");
    const aFailures = run.failures.splice(0);
    const check = (condition: boolean, message: string) => (condition ? undefined : aFailures.push(message));
    check(a.outcomes.length === 1 && a.outcomes[0]?.action === "opened", `expected one "opened" outcome, got ${JSON.stringify(a.outcomes)}`);
    const [pullRequest, ...others] = repository.openPullRequests();
    check(pullRequest !== undefined && others.length === 0, `expected exactly one open PR, found ${repository.openPullRequests().length}`);
    check(pullRequest?.headRefName === branch, `PR head is ${pullRequest?.headRefName}, expected ${branch}`);
    check(JSON.stringify(pullRequest?.labels) === JSON.stringify(["bender", "bender/production"]), `PR labels are ${JSON.stringify(pullRequest?.labels)}`);
    check(JSON.stringify(changedPaths(repository, branch)) === JSON.stringify(["clusters/prod/api.yaml"]), `PR changes ${JSON.stringify(changedPaths(repository, branch))}, expected clusters/prod/api.yaml only`);
    check(repository.file("clusters/prod/api.yaml", branch)?.includes(`${IMAGE}:1.4.1`) === true, "the PR's file does not carry 1.4.1");
    check(repository.file("clusters/prod/api.yaml")?.includes(`${IMAGE}:1.4.0`) === true, "the default branch changed");

    // (d) a newer build supersedes the open proposal.
    const d = await run.build(IMAGE, "1.4.2");
    const dFailures = run.failures.splice(0);
    const checkD = (condition: boolean, message: string) => (condition ? undefined : dFailures.push(message));
    checkD(d.outcomes.length === 1 && d.outcomes[0]?.action === "superseded", `expected one "superseded" outcome, got ${JSON.stringify(d.outcomes)}`);
    const open = repository.openPullRequests();
    checkD(open.length === 1 && open[0]?.number === pullRequest?.number, `expected PR #${pullRequest?.number} still the one open PR, found ${open.map((pr) => pr.number).join(", ")}`);
    checkD(open[0]?.title.includes("1.4.2") === true, `PR title not updated: ${open[0]?.title}`);
    checkD(open[0]?.comments.length === 1, `expected one superseded comment, found ${open[0]?.comments.length}`);
    checkD(repository.file("clusters/prod/api.yaml", branch)?.includes(`${IMAGE}:1.4.2`) === true, "the PR's branch does not carry 1.4.2");
    checkD(JSON.stringify(changedPaths(repository, branch)) === JSON.stringify(["clusters/prod/api.yaml"]), `PR changes ${JSON.stringify(changedPaths(repository, branch))}`);
    checkD(![...repository.branches.keys()].some((name) => name.startsWith("bender-tmp/")), "a temporary branch was left behind");
    return {
      warmUp,
      rows: [
        { key: "a", label: "(a) first build: 1 file, 1 environment", figures: figuresOf(a.requests), failures: aFailures },
        { key: "d", label: "(d) newer build supersedes open PR", figures: figuresOf(d.requests), failures: dFailures },
      ],
    };
  } finally {
    await run.close();
  }
}

async function caseBC(github: GitHubAtNock, repoRoot: string): Promise<Row[]> {
  const run = await Case.start(github, threeEnvironmentRepository(), repoRoot);
  try {
    await run.warmUp();
    const repository = run.repository;

    // (b) 5 files in each of 3 environments.
    const b = await run.build(IMAGE, "1.4.1");
    const bFailures = run.failures.splice(0);
    const check = (condition: boolean, message: string) => (condition ? undefined : bFailures.push(message));
    check(b.outcomes.length === 3 && b.outcomes.every((outcome) => outcome.action === "opened"), `expected three "opened" outcomes, got ${JSON.stringify(b.outcomes.map((outcome) => outcome.action))}`);
    check(repository.openPullRequests().length === 3, `expected 3 open PRs, found ${repository.openPullRequests().length}`);
    for (const environment of ENVIRONMENTS_B) {
      const branch = branchOf(environment);
      const pullRequest = repository.openPullRequests().find((candidate) => candidate.headRefName === branch);
      check(pullRequest !== undefined, `no open PR for ${environment}`);
      if (!pullRequest) continue;
      const changed = changedPaths(repository, branch);
      const expected = Array.from({ length: FILES_PER_ENVIRONMENT_B }, (_, index) => `clusters/${environment}/api-${index + 1}/deployment.yaml`).sort();
      check(JSON.stringify(changed) === JSON.stringify(expected), `${environment}: PR changes ${changed.length} file(s) ${JSON.stringify(changed)}, expected the ${expected.length} of ${environment}`);
      check(changed.every((path) => repository.file(path, branch)?.includes(`${IMAGE}:1.4.1`) === true), `${environment}: a changed file does not carry 1.4.1`);
      check(pullRequest.labels.includes(`bender/${environment}`), `${environment}: PR not labelled bender/${environment}`);
    }

    // (c) the same build again.
    const heads = new Map([...repository.branches]);
    const c = await run.build(IMAGE, "1.4.1");
    const cFailures = run.failures.splice(0);
    const checkC = (condition: boolean, message: string) => (condition ? undefined : cFailures.push(message));
    checkC(c.outcomes.length === 3 && c.outcomes.every((outcome) => outcome.action === "none"), `expected three "none" outcomes, got ${JSON.stringify(c.outcomes.map((outcome) => outcome.action))}`);
    checkC(repository.pullRequests.length === 3 && repository.openPullRequests().length === 3, "the PRs changed");
    checkC(JSON.stringify([...repository.branches]) === JSON.stringify([...heads]), "a branch moved");
    return [
      { key: "b", label: "(b) 5 files in each of 3 environments", figures: figuresOf(b.requests), failures: bFailures },
      { key: "c", label: "(c) the same build delivered again", figures: figuresOf(c.requests), failures: cFailures },
    ];
  } finally {
    await run.close();
  }
}

async function caseE(github: GitHubAtNock, repoRoot: string): Promise<Row> {
  const run = await Case.start(github, singleFileRepository(true), repoRoot);
  try {
    await run.warmUp();
    const repository = run.repository;
    const e = await run.build(IMAGE, "1.4.1");
    const failures = run.failures.splice(0);
    const check = (condition: boolean, message: string) => (condition ? undefined : failures.push(message));
    check(e.outcomes.length === 1 && e.outcomes[0]?.action === "opened" && e.outcomes[0]?.pinned === true, `expected one pinned "opened" outcome, got ${JSON.stringify(e.outcomes)}`);
    const [pullRequest, ...others] = repository.pullRequests;
    check(pullRequest?.state === "MERGED" && others.length === 0, `expected one merged PR, found ${repository.pullRequests.map((pr) => `#${pr.number} ${pr.state}`).join(", ")}`);
    check(repository.file("clusters/prod/api.yaml")?.includes(`${IMAGE}:1.4.1`) === true, "the default branch does not carry 1.4.1 after the automatic pin");
    check(repository.file("clusters/staging/api.yaml")?.includes(`${IMAGE}:1.4.0`) === true, "staging changed");
    return { key: "e", label: "(e) automatic pinning (opened + merged)", figures: figuresOf(e.requests), failures };
  } finally {
    await run.close();
  }
}

async function caseF(github: GitHubAtNock, repoRoot: string, files: number, key: string): Promise<{ first: Row; second: Row; coldRead: Figures }> {
  const { repository, targets } = largeRepository(files);
  const run = await Case.start(github, repository, repoRoot);
  try {
    const coldRead = figuresOf((await run.warmUp()).filter((request) => request.operation === "BenderReadState"));
    const branch = branchOf("production");
    const checkBranch = (failures: string[], tag: string) => {
      const changed = changedPaths(repository, branch);
      if (JSON.stringify(changed) !== JSON.stringify(targets)) failures.push(`PR changes ${JSON.stringify(changed)}, expected ${JSON.stringify(targets)}`);
      if (!changed.every((path) => repository.file(path, branch)?.includes(`${IMAGE}:${tag}`) === true)) failures.push(`a changed file does not carry ${tag}`);
    };

    const first = await run.build(IMAGE, "1.4.1");
    const firstFailures = run.failures.splice(0);
    if (!(first.outcomes.length === 1 && first.outcomes[0]?.action === "opened")) firstFailures.push(`expected one "opened" outcome, got ${JSON.stringify(first.outcomes)}`);
    checkBranch(firstFailures, "1.4.1");

    const second = await run.build(IMAGE, "1.4.2");
    const secondFailures = run.failures.splice(0);
    if (!(second.outcomes.length === 1 && second.outcomes[0]?.action === "superseded")) secondFailures.push(`expected one "superseded" outcome, got ${JSON.stringify(second.outcomes)}`);
    if (repository.openPullRequests().length !== 1) secondFailures.push(`expected one open PR, found ${repository.openPullRequests().length}`);
    checkBranch(secondFailures, "1.4.2");
    const size = files.toLocaleString("en-US");
    return {
      first: { key: `${key}1`, label: `(${key}) ${size} files: first event (no goal)`, figures: figuresOf(first.requests), failures: firstFailures },
      second: { key, label: `(${key}) ${size} files, image in 3: second event`, figures: figuresOf(second.requests), failures: secondFailures },
      coldRead,
    };
  } finally {
    await run.close();
  }
}

/** (a) again, as a registry_package webhook: discovery instead of the installation lookup. */
async function caseAWebhook(github: GitHubAtNock, repoRoot: string): Promise<{ warmUp: Recorded[]; row: Row }> {
  const run = await Case.start(github, singleFileRepository(false), repoRoot, "registry_package");
  try {
    const warmUp = await run.warmUp();
    const repository = run.repository;
    const a = await run.build(IMAGE, "1.4.1");
    const failures = run.failures.splice(0);
    const branch = branchOf("production");
    if (JSON.stringify(a.events.map((event) => event.type)) !== JSON.stringify(["proposal.opened"])) failures.push(`expected one proposal.opened event, got ${JSON.stringify(a.events.map((event) => event.type))}`);
    if (repository.openPullRequests().length !== 1) failures.push(`expected one open PR, found ${repository.openPullRequests().length}`);
    if (JSON.stringify(changedPaths(repository, branch)) !== JSON.stringify(["clusters/prod/api.yaml"])) failures.push(`PR changes ${JSON.stringify(changedPaths(repository, branch))}`);
    return { warmUp, row: { key: "aWebhook", label: "(a') as (a), via registry_package webhook", figures: figuresOf(a.requests), failures } };
  } finally {
    await run.close();
  }
}

/**
 * (h): (a) with a Slack channel. The message is posted while the PR is written and its place goes into the
 * second document; with Slack answering after ANNOUNCE_WAIT_MS ("late", which is also how every new proposal
 * with Slack was written before), the Slack app records the place with a write of its own.
 */
async function caseH(github: GitHubAtNock, repoRoot: string, late: boolean): Promise<Row> {
  const environments = `environments:\n  production:\n    paths: [clusters/prod]\n    slack:\n      channel: "#deploys"\n      approvers: [U0OWEN0001]\n`;
  const repository = singleFileRepository(false);
  repository.push("main", { ".github/bender.yml": environments }, "Slack channel");
  const run = await Case.start(github, repository, repoRoot, "api", { slack: SLACK_SETTINGS });
  try {
    await run.warmUp();
    github.slackDelayMs = late ? ANNOUNCE_WAIT_MS + 300 : 0;
    const mark = github.requests.length;
    const h = await run.build(IMAGE, "1.4.1");
    const failures = run.failures.splice(0);
    const placeOf = () => {
      const decoded = decodeProposalMetadata(repository.openPullRequests()[0]?.body);
      return decoded.ok ? decoded.metadata.slack : undefined;
    };
    for (let waited = 0; placeOf() === undefined && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (!(h.outcomes.length === 1 && h.outcomes[0]?.action === "opened")) failures.push(`expected one "opened" outcome, got ${JSON.stringify(h.outcomes)}`);
    if (JSON.stringify(placeOf()) !== JSON.stringify(SLACK_PLACE)) failures.push(`the PR does not record the message's place: ${JSON.stringify(placeOf())}`);
    if (github.slackCalls.filter((method) => method === "chat.postMessage").length !== 1) failures.push(`expected one chat.postMessage, got ${JSON.stringify(github.slackCalls)}`);
    const label = late ? "(h0) as (a) + Slack channel, place written apart" : "(h) as (a) + Slack channel";
    return { key: late ? "h0" : "h", label, figures: figuresOf(github.requests.slice(mark)), failures };
  } finally {
    github.slackDelayMs = 0;
    github.slackCalls.length = 0;
    await run.close();
  }
}

const IMAGES_G = 20;

/** (g): IMAGES_G images in staging (automatic) and production; their new builds one by one, or in one proposeBuilds call. */
async function caseG(github: GitHubAtNock, mode: "single" | "batch"): Promise<Row> {
  const images = Array.from({ length: IMAGES_G }, (_, index) => `ghcr.io/acme/svc-${String(index).padStart(2, "0")}`);
  const environments = { staging: { paths: ["clusters/staging"], autoPin: true }, production: { paths: ["clusters/prod"] } };
  const files: Record<string, string> = { ".github/bender.yml": config(environments) };
  for (const image of images) {
    const name = image.split("/").pop() ?? "";
    files[`clusters/staging/${name}.yaml`] = deployment(name, `${image}:1.0.0`);
    files[`clusters/prod/${name}.yaml`] = deployment(name, `${image}:1.0.0`);
  }
  const repository = new FakeRepository(OWNER, NAME, "main", files);
  github.repository = repository;
  const context = testProposeContext(config(environments));
  // The warm-up caches the blob texts, as on a server that has been up for a while.
  await proposeBuild(buildOf(`${WARM_UP_IMAGE}:1.0.0`), context);
  const mark = github.requests.length;
  const outcomes: ProposalOutcome[] = [];
  if (mode === "single") {
    for (const image of images) outcomes.push(...(await proposeBuild(buildOf(`${image}:1.1.0`), context)));
  } else {
    outcomes.push(...(await proposeBuilds(images.map((image) => ({ build: buildOf(`${image}:1.1.0`) })), context)));
  }
  const failures: string[] = [];
  if (outcomes.length !== 2 * IMAGES_G || !outcomes.every((outcome) => outcome.action === "opened")) failures.push(`expected ${2 * IMAGES_G} "opened" outcomes, got ${JSON.stringify(outcomes.map((outcome) => outcome.action))}`);
  for (const image of images) {
    const name = image.split("/").pop() ?? "";
    if (repository.file(`clusters/staging/${name}.yaml`)?.includes(`${image}:1.1.0`) !== true) failures.push(`staging's main does not run ${image}:1.1.0`);
    if (repository.file(`clusters/prod/${name}.yaml`, `bender/production/ghcr.io-acme-${name}`)?.includes(`${image}:1.1.0`) !== true) failures.push(`no production proposal of ${image}:1.1.0`);
  }
  if (repository.openPullRequests().length !== IMAGES_G || !repository.openPullRequests().every((pullRequest) => pullRequest.labels.length === 2)) failures.push("expected one labelled open PR per image");
  if ([...repository.branches.keys()].some((branch) => branch.startsWith("bender-tmp/"))) failures.push("a temporary branch was left behind");
  const label = mode === "single" ? `(g1) ${IMAGES_G} images x 2 envs, one by one` : `(g) ${IMAGES_G} images x 2 envs, one batch`;
  return { key: mode === "single" ? "g1" : "g", label, figures: figuresOf(github.requests.slice(mark)), failures };
}

// ---- Report ---------------------------------------------------------------------------

function kb(bytes: number): string {
  return bytes < 10_000 ? `${(bytes / 1000).toFixed(1)}` : `${Math.round(bytes / 1000)}`;
}

export async function run(options: RoundTripOptions): Promise<RoundTripResult> {
  const { log } = options;
  const github = new GitHubAtNock();
  github.install();
  let rows: Row[];
  let warmUp: Recorded[];
  let warmUpWebhook: Recorded[];
  let coldReads: { files: number; figures: Figures }[];
  try {
    const ad = await caseAD(github, options.repoRoot);
    warmUp = ad.warmUp;
    const bc = await caseBC(github, options.repoRoot);
    const e = await caseE(github, options.repoRoot);
    const f = await caseF(github, options.repoRoot, 1000, "f");
    const fSmall = await caseF(github, options.repoRoot, 100, "f'");
    const webhook = await caseAWebhook(github, options.repoRoot);
    const gSingle = await caseG(github, "single");
    const gBatch = await caseG(github, "batch");
    const hLate = await caseH(github, options.repoRoot, true);
    const h = await caseH(github, options.repoRoot, false);
    warmUpWebhook = webhook.warmUp;
    coldReads = [{ files: 100, figures: fSmall.coldRead }, { files: 1000, figures: f.coldRead }];
    const byKey = new Map([...ad.rows, ...bc, e, f.first, f.second, fSmall.second, webhook.row, gSingle, gBatch, hLate, h].map((row) => [row.key, row]));
    rows = ["a", "b", "c", "d", "e", "f1", "f", "f'", "aWebhook", "g1", "g", "h0", "h"].map((key) => {
      const row = byKey.get(key);
      if (!row) throw new Error(`no row ${key}`);
      return row;
    });
  } finally {
    github.uninstall();
  }

  log("Bender's real server (POST /api/builds, signed, naming acme/manifests) against a fake GitHub repository; every request to");
  log("api.github.com counted where nock intercepts it. Each case: fresh server and repository, one warm-up build of an image the");
  log(`repository does not use, counters reset, then the measured build. Warm-up requests (not counted below):`);
  log(`  POST /api/builds: ${figuresOf(warmUp).sequence.join(", ")}`);
  log(`  registry_package: ${figuresOf(warmUpWebhook).sequence.join(", ")}`);
  log("So measured builds run with the installation token, the installation lookup (POST /api/builds), discovery of manifest");
  log("repositories (registry_package: installation repository list + BenderDiscover), the repository's config and the blob");
  log("texts (the warm-up's tree read carried them) all cached.");
  log("");
  log("Content-creating: GraphQL mutation documents, and REST POST/PATCH/PUT/DELETE other than the installation token.");
  log("Reads: GraphQL queries and REST GETs. KB: request/response bodies, 10^3 bytes.");
  const header = `${"case".padEnd(46)}${"requests".padStart(9)}${"reads".padStart(7)}${"content".padStart(9)}${"KB out".padStart(8)}${"KB in".padStart(8)}  check  requests, in order`;
  log(header);
  for (const row of rows) {
    const x = row.figures;
    log(
      `${row.label.padEnd(46)}${String(x.requests).padStart(9)}${String(x.reads).padStart(7)}${String(x.contentCreating).padStart(9)}` +
        `${kb(x.sentBytes).padStart(8)}${kb(x.receivedBytes).padStart(8)}  ${row.failures.length === 0 ? "OK   " : "FAIL "}  ${(x.sequence.length > 8 ? [...x.sequence.slice(0, 4), `… (${x.sequence.length} in all)`] : x.sequence).join(", ")}`,
    );
  }

  log(
    `Reads stay one request as the repository grows, but the read's size grows with the tree listing (object IDs only once texts are cached); ` +
      `the repository's first read (the warm-up here) carries every file's text: ` +
      coldReads.map(({ files, figures }) => `${kb(figures.receivedBytes)} KB in ${figures.requests} request(s) at ${files.toLocaleString("en-US")} files`).join(", ") +
      ".",
  );
  const get = (key: string): Figures => {
    const row = rows.find((candidate) => candidate.key === key);
    if (!row) throw new Error(`no row ${key}`);
    return row.figures;
  };
  const a = get("a");
  const c = get("c");
  const f = get("f");
  const goals = {
    aFloor: { goal: `(a) floor: ${GOAL_FLOOR_A} requests (one read, one write document)`, met: a.requests <= GOAL_FLOOR_A },
    aMax: { goal: `(a) at most ${GOAL_MAX_A} requests with ${GOAL_MAX_A_CONTENT} content-creating request`, met: a.requests <= GOAL_MAX_A && a.contentCreating <= GOAL_MAX_A_CONTENT },
    cNoWrites: { goal: "(c) no writes", met: c.contentCreating === 0 },
    fMax: { goal: `(f) at most ${GOAL_MAX_F} requests`, met: f.requests <= GOAL_MAX_F },
  };
  log("Goals (issue):");
  log(`  ${goals.aFloor.goal}: ${a.requests} requests, ${a.requests - GOAL_FLOOR_A} above the floor  ${goals.aFloor.met ? "AT FLOOR" : "ABOVE FLOOR"}`);
  log(`  ${goals.aMax.goal}: ${a.requests} requests, ${a.contentCreating} content-creating  ${goals.aMax.met ? "MET" : "NOT MET"}`);
  log(`  ${goals.cNoWrites.goal}: ${c.contentCreating} content-creating  ${goals.cNoWrites.met ? "MET" : "NOT MET"}`);
  log(`  ${goals.fMax.goal}: ${f.requests} requests (${f.reads} read(s); ${get("f'").reads} at 100 files)  ${goals.fMax.met ? "MET" : "NOT MET"}`);

  const failures = [...github.problems.map((problem) => `interception: ${problem}`), ...rows.flatMap((row) => row.failures.map((failure) => `${row.label}: ${failure}`))];
  if (failures.length > 0) {
    for (const failure of failures) log(`  FAIL ${failure}`);
    throw new Error(`${failures.length} check(s) failed: the figures above do not measure what they claim`);
  }
  log("Checks: every case made exactly the PRs, commits, labels and merges expected (see FAIL above otherwise).");

  return {
    valid: true,
    goalsMet: goals.aMax.met && goals.cNoWrites.met && goals.fMax.met,
    figures: {
      scenario: "github",
      node: process.version,
      cached: ["installation token", "installation lookup", "manifest repository discovery", "config", "blob texts"],
      coldRead: Object.fromEntries(coldReads.map(({ files, figures }) => [files, { requests: figures.requests, receivedBytes: figures.receivedBytes }])),
      cases: Object.fromEntries(
        rows.map((row) => [
          row.key,
          {
            requests: row.figures.requests,
            reads: row.figures.reads,
            contentCreating: row.figures.contentCreating,
            mutationDocuments: row.figures.mutationDocuments,
            rest: row.figures.rest,
            sentBytes: row.figures.sentBytes,
            receivedBytes: row.figures.receivedBytes,
            sequence: row.figures.sequence,
          },
        ]),
      ),
      goals: {
        aFloor: { requests: GOAL_FLOOR_A, measured: a.requests, atFloor: goals.aFloor.met },
        aMax: { maxRequests: GOAL_MAX_A, maxContentCreating: GOAL_MAX_A_CONTENT, met: goals.aMax.met },
        cNoWrites: { met: goals.cNoWrites.met },
        fMax: { maxRequests: GOAL_MAX_F, met: goals.fMax.met },
      },
    },
  };
}
