import { parseDocument, isMap, isScalar, visit } from "yaml";

/** Slack's request path on Bender's server (the server's SLACK_PATH). */
const SLACK_EVENTS_PATH = "/slack/events";

/**
 * slack-app-manifest.yml with every request URL pointed at this host (`<baseUrl>/slack/events`), ready to paste
 * into Slack's "Create New App → From an app manifest". Only the `url`/`request_url` values change; the comments
 * that explain each scope stay.
 */
export function fillSlackManifest(manifestYml: string, baseUrl: string): string {
  const document = parseDocument(manifestYml);
  const url = `${baseUrl.replace(/\/+$/, "")}${SLACK_EVENTS_PATH}`;
  // Slack cannot reach a loopback address: the app then connects over Socket Mode (SLACK_APP_TOKEN) instead.
  if (isLoopback(baseUrl)) document.setIn(["settings", "socket_mode_enabled"], true);
  visit(document, {
    Pair(_key, pair) {
      if (!isScalar(pair.key) || !["url", "request_url"].includes(String(pair.key.value))) return;
      if (isScalar(pair.value) && typeof pair.value.value === "string") pair.value.value = url;
    },
  });
  if (!isMap(document.contents)) throw new Error("slack-app-manifest.yml is not a map");
  // The file's header tells a reader to replace the example host; this copy has been filled in.
  const header = ` Slack app manifest for Bender, filled in for ${baseUrl.replace(/\/+$/, "")} by the set-up page:\n paste it at https://api.slack.com/apps ("Create New App" → "From an app manifest").`;
  const first = document.contents.items[0]?.key;
  document.commentBefore = header;
  if (isScalar(first)) first.commentBefore = undefined;
  return document.toString({ lineWidth: 0 });
}

/** Whether a URL names this machine only (Slack could not send requests to it). */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}
