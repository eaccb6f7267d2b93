/**
 * Scenario "policy-sweep" (the driver; bench/scenarios/policy-sweep.js compiles and runs it): what the release
 * policy's periodic sweep costs GitHub and the clock (issue 13: "the sweep on 200 open proposals costs at most one
 * GitHub read per manifest repository when nothing is due").
 *
 * Bender's real server (GitHub-only) on a fixed clock, with four manifest repositories of 50 open proposals each
 * (200): half in `staging` (pins automatically, frozen with no end: waiting), half in `production` (manual, 2-of-3
 * approvals, each PR carrying two approval comments, frozen until 10:00Z, deploy windows Mon-Fri 09-17 Berlin).
 * Every request to api.github.com is intercepted here and answered by the fake repository it names
 * (test/support/fake-github.ts), after validation against GitHub's schema.
 *
 * 1. Warm-up sweep at 09:58Z (installation lookups, the token, the configs; the per-replica memory is recorded).
 * 2. `--runs` sweeps with nothing due (09:58Z + n s): requests per repository per sweep, and the sweep's time.
 * 3. One sweep at 10:00Z with something due in every repository: the production freeze ends (one thaw commit per
 *    repository) and the 25 manual proposals of each are redrawn "Pin is open again" (events; no Slack here).
 * 4. One sweep after: nothing due again, one read per repository (the sweep is idempotent).
 */
import { performance } from "node:perf_hooks";
import { validate } from "@octokit/graphql-schema";
import nock from "nock";
import { renderFreezes } from "../../src/policy/index.js";
import { approvalCommentBody } from "../../src/proposals/approval-comments.js";
import { encodeMetadata } from "../../src/proposals/metadata.js";
import type { ProposalMetadata } from "../../src/proposals/metadata.js";
import type { PolicySweepReport } from "../../src/server/policy-clock.js";
import { startBender } from "../../test/support/bender-server.js";
import { API, FakeRepository } from "../../test/support/fake-github.js";

export interface SweepBenchOptions {
  readonly repoRoot: string;
  readonly runs: number;
  readonly log: (line?: string) => void;
}

const REPOSITORIES = 4;
const PROPOSALS_PER_REPOSITORY = 50;
const INSTALLATION = 52871234;
const TOKEN_PATH = /^\/app\/installations\/\d+\/access_tokens$/;
const GOAL_READS_PER_REPOSITORY = 1;
const FROZEN_UNTIL = "2026-11-26T10:00:00.000Z";
const APPROVERS = ["U0ALICE001", "U0BOB00001", "U0CAROL001"];

const CONFIG = `environments:
  staging:
    paths: [clusters/staging]
    autoPin: true
  production:
    paths: [clusters/prod]
    timezone: Europe/Berlin
    windows: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }]
    approvals: 2
    slack: { channel: "#deploys", approvers: [${APPROVERS.join(", ")}] }
`;

function manifestRepository(index: number): FakeRepository {
  const fake = new FakeRepository("acme", `manifests-${index}`, "main", {
    ".github/bender.yml": CONFIG,
    ".bender/freezes.yml": renderFreezes([
      { environment: "staging", by: "U0ALICE001", reason: "migration", since: "2026-11-20T00:00:00Z" },
      { environment: "production", by: "U0BOB00001", reason: "release train", since: "2026-11-25T00:00:00Z", until: FROZEN_UNTIL },
    ]),
  });
  for (let number = 0; number < PROPOSALS_PER_REPOSITORY; number++) {
    const environment = number % 2 === 0 ? "staging" : "production";
    const image = `ghcr.io/acme/svc-${number}`;
    const metadata: ProposalMetadata = {
      bender: 1,
      kind: "proposal",
      environment,
      repository: image,
      reference: `${image}:1.0.${number}`,
      tag: `1.0.${number}`,
      baseBranch: "main",
      changes: [],
      slack: { channel: "C0DEPLOYS1", ts: `1764140000.${String(number).padStart(6, "0")}` },
    };
    const branch = `bender/${environment}/ghcr.io-acme-svc-${number}`;
    const pullRequest = fake.openPullRequest(branch, { [`clusters/${environment}/svc-${number}.yaml`]: `image: ${image}:1.0.${number}\n` }, `Pin ${metadata.reference}`, `A proposal.\n\n${encodeMetadata(metadata)}`);
    if (environment === "production") {
      const head = fake.head(branch);
      pullRequest.comments.push(approvalCommentBody({ by: APPROVERS[0] ?? "", at: Date.parse("2026-11-26T08:00:00Z"), build: head }, "1 of 2"));
      pullRequest.comments.push("Looks good to me.");
    }
  }
  return fake;
}

/** Every request to api.github.com, answered by the fake the request names, and counted by repository. */
class GitHubAtNock {
  readonly fakes = new Map<string, FakeRepository>();
  readonly counts = new Map<string, number>();
  readonly problems: string[] = [];

  install(): void {
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
      nock(API)
        .persist()
        .intercept(() => true, method)
        .reply((uri, body) => this.#answer(method, uri.split("?")[0] ?? uri, body));
    }
  }

  uninstall(): void {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  }

  /** Requests counted since the last reset, by repository (and "(app)" for tokens). */
  take(): Map<string, number> {
    const counts = new Map(this.counts);
    this.counts.clear();
    return counts;
  }

  #count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  #answer(method: string, path: string, body: unknown): [number, unknown] {
    if (method === "POST" && TOKEN_PATH.test(path)) {
      this.#count("(app)");
      return [201, { token: "ghs_benchtoken", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {}, repository_selection: "all" }];
    }
    const installation = /^\/repos\/(?<repository>[\w-]+\/[\w.-]+)\/installation$/.exec(path)?.groups?.repository;
    if (method === "GET" && installation !== undefined) {
      this.#count(installation);
      return [200, { id: INSTALLATION, account: { login: "acme" }, app_id: 1 }];
    }
    if (method !== "POST" || path !== "/graphql") {
      this.problems.push(`unexpected request: ${method} ${path}`);
      return [404, { message: "Not Found (the benchmark does not expect this request)" }];
    }
    const { query = "", variables = {} } = (body ?? {}) as { query?: string; variables?: Record<string, never> };
    const errors = validate(query);
    if (errors.length > 0) {
      this.problems.push(`invalid against GitHub's schema: ${errors.map((error: { message: string }) => error.message).join("; ")}`);
      return [400, { message: "invalid document" }];
    }
    // Queries name the repository by owner and name; the thaw's commit by repositoryNameWithOwner.
    const named = (variables as Record<string, unknown>).owner !== undefined ? `${String((variables as Record<string, unknown>).owner)}/${String((variables as Record<string, unknown>).name)}` : /"repositoryNameWithOwner":"(?<repository>[^"]+)"/.exec(JSON.stringify(variables))?.groups?.repository;
    const fake = named === undefined ? undefined : this.fakes.get(named);
    if (named === undefined || fake === undefined) {
      this.problems.push(`a document the benchmark cannot route to a repository: ${query.slice(0, 80)}`);
      return [502, { message: "no repository" }];
    }
    this.#count(named);
    return [200, query.startsWith("mutation") ? fake.answerMutation(query, variables) : fake.answerQuery(query, variables)];
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function run({ runs, log }: SweepBenchOptions): Promise<{ valid: boolean; goalsMet: boolean; figures: Record<string, unknown> }> {
  const github = new GitHubAtNock();
  const repositories = Array.from({ length: REPOSITORIES }, (_, index) => manifestRepository(index));
  for (const fake of repositories) github.fakes.set(fake.nameWithOwner, fake);
  github.install();
  let clock = new Date("2026-11-26T09:58:00.000Z");
  const bender = await startBender({ manifestRepositories: repositories.map((fake) => fake.nameWithOwner) }, { now: () => clock });
  const problems: string[] = [];
  let redrawEvents = 0;
  bender.events.subscribe((event) => void (event.type === "proposal.pin-gate" && event.pinOpen && (redrawEvents += 1)));
  const sweep = async (at: Date): Promise<{ report: PolicySweepReport; ms: number; perRepository: number[] }> => {
    clock = at;
    github.take();
    const started = performance.now();
    const report = await bender.policyClock.sweep();
    const ms = performance.now() - started;
    const counts = github.take();
    for (const [repository, result] of report) if (result && "error" in result) problems.push(`${repository}: ${String(result.error)}`);
    return { report, ms, perRepository: repositories.map((fake) => counts.get(fake.nameWithOwner) ?? 0) };
  };
  let quiet: { ms: number; perRepository: number[] }[] = [];
  let due: Awaited<ReturnType<typeof sweep>>;
  let after: Awaited<ReturnType<typeof sweep>>;
  let warmUp: Awaited<ReturnType<typeof sweep>>;
  try {
    warmUp = await sweep(clock);
    quiet = [];
    for (let round = 1; round <= runs; round++) quiet.push(await sweep(new Date(Date.parse("2026-11-26T09:58:00.000Z") + round * 1000)));
    due = await sweep(new Date(FROZEN_UNTIL));
    await bender.queue.idle();
    after = await sweep(new Date(Date.parse(FROZEN_UNTIL) + 60_000));
  } finally {
    await bender.close();
    github.uninstall();
  }

  // Checks: a benchmark that measures a no-op is worthless.
  const thawCommits = repositories.map((fake) => (fake.messageOf(fake.head()) === "Thaw production: the freeze ended" ? 1 : 0) as number).reduce((sum, count) => sum + count, 0);
  const redrawn = [...due.report.values()].reduce((sum, result) => sum + (result && "redrawn" in result ? result.redrawn.length : 0), 0);
  const proposals = repositories.reduce((sum, fake) => sum + fake.openPullRequests().length, 0);
  const valid =
    github.problems.length === 0 &&
    problems.length === 0 &&
    proposals === REPOSITORIES * PROPOSALS_PER_REPOSITORY &&
    thawCommits === REPOSITORIES &&
    redrawn === REPOSITORIES * (PROPOSALS_PER_REPOSITORY / 2) &&
    redrawEvents === redrawn &&
    quiet.every((round) => round.perRepository.every((count) => count > 0));
  const worstQuiet = Math.max(...quiet.flatMap((round) => round.perRepository), ...after.perRepository);
  const goalsMet = worstQuiet <= GOAL_READS_PER_REPOSITORY;

  log(`${REPOSITORIES} manifest repositories, ${REPOSITORIES * PROPOSALS_PER_REPOSITORY} open proposals (half automatic and frozen, half manual with approval comments); Bender's real server on a fixed clock`);
  log(`warm-up sweep (installation lookups, token, configs; memory recorded): ${warmUp.perRepository.join(", ")} requests per repository, ${warmUp.ms.toFixed(1)} ms`);
  log(`nothing due, ${runs} sweeps: requests per repository per sweep max ${Math.max(...quiet.flatMap((round) => round.perRepository))}; sweep median ${median(quiet.map((round) => round.ms)).toFixed(1)} ms, max ${Math.max(...quiet.map((round) => round.ms)).toFixed(1)} ms`);
  log(`something due (freeze ends in every repository): requests per repository ${due.perRepository.join(", ")} (read + thaw commit); ${thawCommits} thaw commits, ${redrawn} messages redrawn; ${due.ms.toFixed(1)} ms`);
  log(`the sweep after: requests per repository ${after.perRepository.join(", ")}; ${after.ms.toFixed(1)} ms`);
  if (github.problems.length > 0 || problems.length > 0) log(`problems: ${[...github.problems, ...problems].join("; ")}`);
  log(`goal: at most ${GOAL_READS_PER_REPOSITORY} GitHub request per manifest repository per sweep when nothing is due: ${goalsMet ? "met" : "NOT met"}${valid ? "" : " (checks FAILED)"}`);
  return {
    valid,
    goalsMet,
    figures: {
      repositories: REPOSITORIES,
      proposals: REPOSITORIES * PROPOSALS_PER_REPOSITORY,
      quietRequestsPerRepositoryMax: Math.max(...quiet.flatMap((round) => round.perRepository)),
      quietSweepMedianMs: Number(median(quiet.map((round) => round.ms)).toFixed(1)),
      quietSweepMaxMs: Number(Math.max(...quiet.map((round) => round.ms)).toFixed(1)),
      dueRequestsPerRepository: due.perRepository,
      dueSweepMs: Number(due.ms.toFixed(1)),
      thawCommits,
      redrawn,
      afterRequestsPerRepository: after.perRepository,
    },
  };
}
