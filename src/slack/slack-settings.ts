/** What the Slack app needs from Bender's settings (read and checked by src/server/settings.ts). */
export interface SlackSettings {
  readonly botToken: string;
  readonly signingSecret: string;
  /** Socket Mode (no public ingress) when set. */
  readonly appToken: string | undefined;
  /** Slack Web API base URL, ending in a slash: https://slack.com/api/ by default (GovSlack: https://slack-gov.com/api/). */
  readonly apiUrl: string;
}
