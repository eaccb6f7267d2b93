/** The set-up pages: plain HTML with every interpolated value escaped, no script from elsewhere. */

/** Escapes text for HTML element content and double-quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
textarea{width:100%;font:13px monospace}code{background:#eee;padding:0 .2em}.error{color:#a00}</style>
</head><body>
${body}
</body></html>
`;
}

export interface SetupPageInput {
  /** GitHub's page that takes the manifest, with the state. */
  readonly createAppUrl: string;
  /** The App manifest, as JSON. */
  readonly manifestJson: string;
  readonly githubWebUrl: string;
  readonly organization: string | undefined;
  /** Where GitHub will send webhooks. */
  readonly webhookUrl: string;
}

/** Step 1: a form that POSTs app.yml's manifest to GitHub, for the person's account or an organisation. */
export function setupPage(input: SetupPageInput): string {
  const owner = input.organization ? `the organisation <b>${escapeHtml(input.organization)}</b>` : "your personal account";
  return page(
    "Set up Bender",
    `<h1>Set up Bender</h1>
<p>Bender has no GitHub App settings yet. This page creates the GitHub App from <code>app.yml</code> on
<b>${escapeHtml(input.githubWebUrl)}</b>, owned by ${owner}, and writes its credentials to <code>.env</code>.</p>
<p>GitHub will send webhooks to <code>${escapeHtml(input.webhookUrl)}</code>.</p>
<form action="${escapeHtml(input.createAppUrl)}" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(input.manifestJson)}">
<button type="submit">Create the GitHub App on GitHub</button>
</form>
<h2>Owned by an organisation?</h2>
<form action="/" method="get"><label>Organisation login <input name="org" pattern="[A-Za-z0-9-]{1,39}" value="${escapeHtml(input.organization ?? "")}"></label>
<button type="submit">Use this organisation</button></form>`,
  );
}

export interface NextStepsInput {
  readonly appName: string;
  readonly appUrl: string;
  readonly envFile: string;
  readonly written: readonly string[];
  readonly kept: readonly string[];
  readonly slackManifest: string;
  readonly starterConfig: string;
  /** Guards the Slack secrets form against cross-site posts. */
  readonly formToken: string;
  /** This host is loopback: Slack cannot reach it, so the manifest enables Socket Mode and the form asks for the app token. */
  readonly socketMode: boolean;
  /** Prefills the starter form (BENDER_MANIFEST_REPOS' first). */
  readonly manifestRepository?: string | undefined;
}

/** Step 2 onward: what was written, then install the App, create the Slack app, paste its secrets, add the config. */
export function nextStepsPage(input: NextStepsInput): string {
  const list = (keys: readonly string[]): string => keys.map((key) => `<code>${escapeHtml(key)}</code>`).join(", ") || "none";
  return page(
    "Bender: next steps",
    `<h1>The GitHub App ${escapeHtml(input.appName)} exists</h1>
<p>Written to <code>${escapeHtml(input.envFile)}</code> (mode 0600): ${list(input.written)}.
Kept as they were (already set): ${list(input.kept)}.</p>
<h2>1. Install the App on your manifest repository</h2>
<p><a href="${escapeHtml(`${input.appUrl}/installations/new`)}">Install ${escapeHtml(input.appName)}</a> and choose the repository that holds your Kubernetes manifests.</p>
<h2>2. Create the Slack app</h2>
<p>On <a href="https://api.slack.com/apps?new_app=1">api.slack.com/apps</a> choose "From an app manifest", pick the workspace,
and paste this (its request URLs point at this server), then install it to the workspace:</p>
<textarea rows="16" readonly>${escapeHtml(input.slackManifest)}</textarea>
${input.socketMode ? `<p>This server is on <code>localhost</code>, which Slack cannot reach, so the manifest turns on Socket Mode: on the app's Basic Information page, create an app-level token with <code>connections:write</code> and paste it below too.</p>` : ""}
<h2>3. Paste the Slack secrets</h2>
<form action="/setup/slack" method="post">
<input type="hidden" name="token" value="${escapeHtml(input.formToken)}">
<p><label>Bot User OAuth Token (OAuth &amp; Permissions, <code>xoxb-…</code>) <input name="SLACK_BOT_TOKEN" size="60" autocomplete="off"></label></p>
<p><label>Signing Secret (Basic Information) <input name="SLACK_SIGNING_SECRET" size="40" autocomplete="off"></label></p>
${input.socketMode ? `<p><label>App-Level Token (Basic Information, <code>xapp-…</code>) <input name="SLACK_APP_TOKEN" size="60" autocomplete="off"></label></p>` : ""}
<button type="submit">Save to .env</button></form>
<h2>4. Add <code>.github/bender.yml</code> to the manifest repository</h2>
<form action="/setup/starter" method="get"><label>Once the App is installed, a starter made from the repository's folders:
<input name="repository" placeholder="acme/manifests" pattern="[A-Za-z0-9-]+/[A-Za-z0-9._-]+" value="${escapeHtml(input.manifestRepository ?? "")}"></label>
<button type="submit">Make the starter</button></form>
<p>Or start from this one (edit the folders and the channel; <code>docs/config.md</code> explains every key):</p>
<textarea rows="14" readonly>${escapeHtml(input.starterConfig)}</textarea>
<h2>5. Restart Bender</h2>
<p>Stop this server and run <code>npm start</code> again; then <code>npx bender doctor</code> checks the whole set-up.</p>`,
  );
}

/** A refusal or failure, said plainly, with what to do. */
export function problemPage(title: string, message: string, next: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p class="error">${escapeHtml(message)}</p>\n<p>${escapeHtml(next)}</p>\n<p><a href="/">Start again</a></p>`);
}

/** The Slack secrets were saved (or kept). */
export function slackSavedPage(written: readonly string[], kept: readonly string[]): string {
  const keys = (list: readonly string[]): string => list.map((key) => `<code>${escapeHtml(key)}</code>`).join(", ") || "none";
  return page("Bender: Slack secrets saved", `<h1>Slack secrets saved</h1><p>Written: ${keys(written)}. Kept as they were: ${keys(kept)}.</p>
<p>Invite the bot to every channel named in <code>.github/bender.yml</code> (<code>/invite @Bender</code>), then restart Bender.</p>`);
}

/** A starter .github/bender.yml made for a repository. */
export function starterPage(repository: string, starter: string, fromFolders: boolean): string {
  const said = fromFolders
    ? "The environments below were found from the repository's folders (clusters/, environments/, overlays/…); check them."
    : "No folder layout Bender recognises (clusters/&lt;name&gt;/, environments/&lt;name&gt;/, overlays/&lt;name&gt;/) was found: write your own folders.";
  return page(`Bender: .github/bender.yml for ${repository}`, `<h1><code>.github/bender.yml</code> for ${escapeHtml(repository)}</h1>
<p>${said} Commit it to the repository's default branch; the <code>bender/config</code> check run on the commit lists any problem.</p>
<textarea rows="20" readonly>${escapeHtml(starter)}</textarea>
<p>Your browser&#39;s Back button returns to the next steps.</p>`);
}
