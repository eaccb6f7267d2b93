import type { ServerResponse } from "node:http";

/** Answers with `body` as JSON (one line, newline-terminated): every JSON answer Bender's endpoints write goes through here. */
export function sendJson(response: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8" });
  response.end(`${JSON.stringify(body)}\n`);
}
