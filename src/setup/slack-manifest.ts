import { parseDocument, isMap, isScalar, visit } from "yaml";

/** Slack's request path on Bender's server (the server's SLACK_PATH). */
export const SLACK_EVENTS_PATH = "/slack/events";

/**
 * slack-app-manifest.yml with every request URL pointed at this host (`<baseUrl>/slack/events`), ready to paste
 * into Slack's "Create New App → From an app manifest". Only the `url`/`request_url` values change; the comments
 * that explain each scope stay.
 */
export function fillSlackManifest(manifestYml: string, baseUrl: string): string {
  const document = parseDocument(manifestYml);
  const url = `${baseUrl.replace(/\/+$/, "")}${SLACK_EVENTS_PATH}`;
  visit(document, {
    Pair(_key, pair) {
      if (!isScalar(pair.key) || !["url", "request_url"].includes(String(pair.key.value))) return;
      if (isScalar(pair.value) && typeof pair.value.value === "string") pair.value.value = url;
    },
  });
  if (!isMap(document.contents)) throw new Error("slack-app-manifest.yml is not a map");
  return document.toString({ lineWidth: 0 });
}
