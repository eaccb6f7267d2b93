/**
 * Scenario "burst" (issue 14): a monorepo CI rebuilds 100 services at once.
 * One manifest repository, 100 images each in staging (autoPin) and
 * production (manual); 500 signed builds to POST /api/builds within about a
 * minute (five successive versions of each image, images interleaved, 20 in
 * flight), against a fake GitHub (test/support/fake-github.ts) behind
 * GitHub's documented secondary limits (test/support/secondary-limits.ts).
 * Plus the control: 50 builds for 10 images and no limits.
 *
 * Time is scaled: one GitHub second is SECOND_MS ms of real time, for the
 * fake's limit windows and for every wait of Bender's (Retry-After, write
 * pacing, backoff). Figures in seconds are GitHub seconds.
 */
import { performance } from "node:perf_hooks";
import nock from "nock";
import { validate } from "@octokit/graphql-schema";
import type { RetryPolicy } from "../../src/github/octokit.js";
import { DEFAULT_GATHER } from "../../src/queue/gather-window.js";
import { postBuild, startBender } from "../../test/support/bender-server.js";
import { API, FakeRepository } from "../../test/support/fake-github.js";
import { deployment } from "../../test/support/manifests.js";
import { redisAvailable, startRedis } from "../../test/support/redis-server.js";
import { SecondaryLimits } from "../../test/support/secondary-limits.js";

export interface BurstOptions {
  readonly log: (line?: string) => void;
}

/**
 * One GitHub second, in real milliseconds (BENCH_SECOND_MS, default 50). Bender's
 * and the fake's CPU time is not scaled, so at 50 it counts 20 times over in
 * GitHub seconds: "until current" reads high; 1000 runs in real time.
 */
const SECOND_MS = Number(process.env.BENCH_SECOND_MS ?? 50) || 50;
const INSTALLATION = 7;
const REPOSITORY = "acme/manifests";
const TOKEN_PATH = /^\/app\/installations\/\d+\/access_tokens$/;

const POLICY: RetryPolicy = {
  serverErrorRetries: 2,
  backoffUnitMs: SECOND_MS,
  retryAfterUnitMs: SECOND_MS,
  writeSpacingMs: SECOND_MS,
  writesPerMinute: 70,
  writesPerHour: 450,
};

/**
 * The queue's gather window (DEFAULT_GATHER), scaled like the rest. To compare: BENCH_GATHER=off (none), or
 * BENCH_GATHER=<quiet s>,<longest s> in GitHub seconds.
 */
const GATHER = ((): { quietMs: number; maxMs: number } => {
  const setting = process.env.BENCH_GATHER;
  if (setting === "off") return { quietMs: 0, maxMs: 0 };
  const [quiet, longest] = (setting ?? "").split(",").map(Number);
  if (setting && Number.isFinite(quiet) && Number.isFinite(longest)) return { quietMs: (quiet ?? 0) * SECOND_MS, maxMs: (longest ?? 0) * SECOND_MS };
  return { quietMs: (DEFAULT_GATHER.quietMs / 1000) * SECOND_MS, maxMs: (DEFAULT_GATHER.maxMs / 1000) * SECOND_MS };
})();
const QUEUE = { retry: POLICY, queueRetryDelayMs: 30 * SECOND_MS, queueGather: GATHER };

interface Case {
  readonly label: string;
  readonly images: number;
  readonly versions: number;
  readonly limits: boolean;
  /** Two replicas share a Redis (REDIS_URL), builds sent to them in turn. */
  readonly redisUrl?: string;
}

interface CaseFigures {
  readonly label: string;
  readonly builds: number;
  readonly answerP99Ms: number;
  readonly answerMaxMs: number;
  readonly non202: number;
  readonly requests: number;
  readonly contentCreating: number;
  readonly limited: number;
  readonly sentEarly: number;
  readonly proposals: number;
  readonly current: number;
  readonly untilCurrentSeconds: number;
  readonly temporaryBranches: number;
  readonly coalesced: number;
  readonly problems: readonly string[];
}

function image(index: number): string {
  return `ghcr.io/acme/svc-${String(index).padStart(2, "0")}`;
}

function repositoryFor(images: number): FakeRepository {
  const files: Record<string, string> = {
    ".github/bender.yml": `environments:
  staging:
    paths: [clusters/staging]
    autoPin: true
  production:
    paths: [clusters/prod]
`,
  };
  for (let index = 0; index < images; index++) {
    const name = `svc-${String(index).padStart(2, "0")}`;
    files[`clusters/staging/${name}.yaml`] = deployment(`${image(index)}:1.0.0`, name);
    files[`clusters/prod/${name}.yaml`] = deployment(`${image(index)}:1.0.0`, name);
  }
  return new FakeRepository("acme", "manifests", "main", files);
}

/** Intercepts every request to api.github.com: the gate of secondary limits, then the fake. */
function intercept(fake: FakeRepository, limits: SecondaryLimits | undefined, counts: { requests: number; contentCreating: number }, problems: string[]): void {
  for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
    nock(API)
      .persist()
      .intercept(() => true, method)
      .reply((uri, body) => {
        const path = uri.split("?")[0] ?? uri;
        counts.requests++;
        if (method === "POST" && TOKEN_PATH.test(path)) {
          return [201, { token: "ghs_benchtoken", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {}, repository_selection: "all" }];
        }
        if (method === "GET" && path === `/repos/${REPOSITORY}/installation`) return [200, { id: INSTALLATION, account: { login: "acme" }, app_id: 1 }];
        if (method !== "POST" || path !== "/graphql") {
          problems.push(`unexpected request: ${method} ${path}`);
          return [404, { message: "Not Found" }];
        }
        const { query = "", variables = {} } = (body ?? {}) as { query?: string; variables?: Record<string, never> };
        const mutation = query.startsWith("mutation");
        const refusal = limits?.admit({ contentCreating: mutation, graphqlPoints: mutation ? 5 : 1 });
        if (refusal) return [refusal.status, refusal.body, refusal.headers];
        if (mutation) counts.contentCreating++;
        const errors = validate(query);
        if (errors.length > 0) {
          problems.push(`invalid GraphQL: ${errors.map((error: { message: string }) => error.message).join("; ")}`);
          return [400, { message: "invalid document" }];
        }
        return [200, mutation ? fake.answerMutation(query, variables) : fake.answerQuery(query, variables)];
      });
  }
}

/** How many of the (environment, image) pairs are at the newest version: staging merged to main, production an open PR. */
function currentPairs(fake: FakeRepository, images: number, newest: string): number {
  let current = 0;
  for (let index = 0; index < images; index++) {
    const name = `svc-${String(index).padStart(2, "0")}`;
    const wanted = `${image(index)}:${newest}`;
    if (fake.file(`clusters/staging/${name}.yaml`)?.includes(wanted)) current++;
    const branch = `bender/production/${image(index).replaceAll("/", "-")}`;
    const open = fake.openPullRequests().some((pullRequest) => pullRequest.headRefName === branch);
    if (open && fake.file(`clusters/prod/${name}.yaml`, branch)?.includes(wanted)) current++;
  }
  return current;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function runCase(spec: Case): Promise<CaseFigures> {
  const fake = repositoryFor(spec.images);
  const limits = spec.limits ? new SecondaryLimits({ secondMs: SECOND_MS }) : undefined;
  const counts = { requests: 0, contentCreating: 0 };
  const problems: string[] = [];
  intercept(fake, limits, counts, problems);
  const replicas = spec.redisUrl
    ? [await startBender({ redisUrl: spec.redisUrl }, QUEUE), await startBender({ redisUrl: spec.redisUrl }, QUEUE)]
    : [await startBender({}, QUEUE)];
  const bender = replicas[0] as (typeof replicas)[number];
  try {
    // Five versions of each image, images interleaved: 1.0.1 of every image, then 1.0.2, …
    const builds: string[] = [];
    for (let version = 1; version <= spec.versions; version++) {
      for (let index = 0; index < spec.images; index++) builds.push(`${image(index)}:1.0.${version}`);
    }
    const newest = `1.0.${spec.versions}`;
    // Within about a minute, 20 in flight.
    const spacingMs = (60 * SECOND_MS) / builds.length;
    const answers: number[] = [];
    let non202 = 0;
    const started = performance.now();
    let next = 0;
    async function sender(): Promise<void> {
      while (next < builds.length) {
        const index = next++;
        const due = started + index * spacingMs;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const sent = performance.now();
        const replica = replicas[index % replicas.length] ?? bender;
        const response = await postBuild(replica, { image: builds[index], repositories: [REPOSITORY] }, { settle: false });
        answers.push(performance.now() - sent);
        if (response.status !== 202) non202++;
      }
    }
    await Promise.all(Array.from({ length: 20 }, () => sender()));
    const lastSent = performance.now();
    const pairs = spec.images * 2;
    let current = currentPairs(fake, spec.images, newest);
    let currentAt = current === pairs ? lastSent : undefined;
    const idle = Promise.all(replicas.map((replica) => replica.queue.idle())).then(() => "idle" as const);
    while (currentAt === undefined) {
      const state = await Promise.race([idle, new Promise<"tick">((resolve) => setTimeout(() => resolve("tick"), 20))]);
      current = currentPairs(fake, spec.images, newest);
      if (current === pairs) currentAt = performance.now();
      else if (state === "idle") break;
    }
    await idle;
    current = currentPairs(fake, spec.images, newest);
    let coalesced = 0;
    for (const replica of replicas) {
      const text = await replica.metrics.registry.getSingleMetricAsString("bender_builds_coalesced_total");
      coalesced += Number(/ (?<count>\d+)$/m.exec(text)?.groups?.count ?? 0);
    }
    return {
      label: spec.label,
      builds: builds.length,
      answerP99Ms: percentile(answers, 99),
      answerMaxMs: Math.max(...answers),
      non202,
      requests: counts.requests,
      contentCreating: counts.contentCreating,
      limited: limits?.limited ?? 0,
      sentEarly: limits?.sentEarly ?? 0,
      proposals: pairs,
      current,
      untilCurrentSeconds: currentAt === undefined ? Number.NaN : (currentAt - lastSent) / SECOND_MS,
      temporaryBranches: [...fake.branches.keys()].filter((branch) => branch.startsWith("bender-tmp/")).length,
      coalesced,
      problems,
    };
  } finally {
    for (const replica of replicas) await replica.close();
    nock.cleanAll();
  }
}

export async function run(options: BurstOptions): Promise<{ valid: boolean; goalsMet: boolean; figures: Record<string, unknown> }> {
  const { log } = options;
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  const rssBefore = process.resourceUsage().maxRSS;
  let burst: CaseFigures;
  let control: CaseFigures;
  let shared: CaseFigures | undefined;
  const redis = redisAvailable() ? await startRedis() : undefined;
  try {
    control = await runCase({ label: "control: 50 builds, 10 images, no limits", images: 10, versions: 5, limits: false });
    burst = await runCase({ label: "burst: 500 builds, 100 images, secondary limits", images: 100, versions: 5, limits: true });
    if (redis) shared = await runCase({ label: "burst, two replicas sharing Redis", images: 100, versions: 5, limits: true, redisUrl: redis.url });
  } finally {
    await redis?.stop();
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  }
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);

  log(`Time is scaled: one GitHub second = ${SECOND_MS} ms (limit windows, Retry-After, write pacing, backoff, the queue's gather window). Seconds below are GitHub seconds.`);
  log(`Gather window before a repository's turn: ${GATHER.quietMs / SECOND_MS} s quiet, ${GATHER.maxMs / SECOND_MS} s at most (BENCH_GATHER=off: none; BENCH_GATHER=quiet,longest in GitHub s).`);
  log("Builds sent as signed POST /api/builds, 20 in flight, within about a GitHub minute; to one replica (in-process queue), or in turn to");
  log(redis ? "two replicas sharing a Redis (redis-server started for the run)." : "two replicas sharing Redis: SKIPPED, no redis-server on this machine.");
  log("");
  const columns = ["builds", "p99 ms", "max ms", "non-202", "requests", "content", "limited", "early", "current", "until current s", "tmp branches", "coalesced"];
  log(`${"case".padEnd(48)}${columns.map((column) => column.padStart(column.length + 2)).join("")}`);
  const rows = shared ? [control, burst, shared] : [control, burst];
  for (const row of rows) {
    const values = [
      row.builds, row.answerP99Ms.toFixed(1), row.answerMaxMs.toFixed(1), row.non202, row.requests, row.contentCreating, row.limited, row.sentEarly,
      `${row.current}/${row.proposals}`, Number.isNaN(row.untilCurrentSeconds) ? "never" : row.untilCurrentSeconds.toFixed(0), row.temporaryBranches, row.coalesced,
    ];
    log(`${row.label.padEnd(48)}${values.map((value, index) => String(value).padStart((columns[index] ?? "").length + 2)).join("")}`);
  }
  log(`Peak RSS of the benchmark process (Bender, the fake GitHub and the senders together): ${peakRssMb} MB (${Math.round(rssBefore / 1024)} MB before the cases).`);
  const problems = rows.flatMap((row) => row.problems);
  for (const problem of problems.slice(0, 10)) log(`problem: ${problem}`);

  const goals = {
    controlCurrent: { goal: "control: every pair at its newest version, no temporary branch left", met: control.current === control.proposals && control.temporaryBranches === 0 },
    answeredWithin1s: { goal: "every build answered within 1 s", met: burst.answerMaxMs < 1000 && control.answerMaxMs < 1000 && burst.non202 === 0 },
    limitsWaited: { goal: "no limited answer that is not waited out (nothing sent early)", met: burst.sentEarly === 0 },
    currentIn3Minutes: { goal: "every proposal current within 3 minutes of the last build", met: burst.current === burst.proposals && burst.untilCurrentSeconds <= 180 },
    sharedCurrent: { goal: "two replicas sharing Redis: every pair current, nothing sent early, no temporary branch", met: shared !== undefined && shared.current === shared.proposals && shared.sentEarly === 0 && shared.temporaryBranches === 0 },
    contentUnderOnePerProposal: { goal: "content-creating requests well under one per proposal", met: burst.contentCreating < burst.proposals / 2 },
  };
  for (const { goal, met } of Object.values(goals)) log(`${met ? "met    " : "NOT MET"}  ${goal}`);
  const valid = problems.length === 0;
  return {
    valid,
    goalsMet: Object.values(goals).every((goal) => goal.met),
    figures: { secondMs: SECOND_MS, control, burst, shared, peakRssMb, goals: Object.fromEntries(Object.entries(goals).map(([key, goal]) => [key, goal.met])) },
  };
}
