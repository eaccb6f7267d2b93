import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnswerTooLargeError, cappedFetch } from "../../src/http/capped-fetch.js";

let server: Server;
let base: string;
/** Bytes the server managed to write for the last answer before the client stopped it. */
let written = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    const size = Number(new URL(request.url ?? "/", "http://x").searchParams.get("size"));
    if (request.url?.startsWith("/declared")) {
      response.writeHead(200, { "content-type": "application/json", "content-length": String(size) });
      response.end("x".repeat(size));
      return;
    }
    if (request.url?.startsWith("/not-modified")) {
      response.writeHead(304, { etag: '"a"' });
      response.end();
      return;
    }
    // Chunked, no declared length: 1 KiB at a time until `size` or the client goes away.
    response.writeHead(200, { "content-type": "application/json" });
    written = 0;
    const write = (): void => {
      while (written < size) {
        written += 1024;
        if (!response.write("y".repeat(1024))) return void response.once("drain", write);
      }
      response.end();
    };
    write();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const capped = cappedFetch(fetch, 64 * 1024, "GitHub");

describe("cappedFetch: every answer has a byte budget", () => {
  it("hands an answer within the budget on whole, with its status, headers and URL", async () => {
    const response = await capped(`${base}/declared?size=1000`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.url).toBe(`${base}/declared?size=1000`);
    expect(await response.text()).toBe("x".repeat(1000));
  });

  it("refuses a declared Content-Length over the budget before reading it, by name", async () => {
    await expect(capped(`${base}/declared?size=${128 * 1024}`)).rejects.toThrow(AnswerTooLargeError);
    await expect(capped(`${base}/declared?size=${128 * 1024}`)).rejects.toThrow("GitHub answered with more than 65536 bytes (the budget for one answer)");
  });

  it("stops reading a chunked answer as soon as it passes the budget", async () => {
    const error = await capped(`${base}/chunked?size=${64 * 1024 * 1024}`).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(AnswerTooLargeError);
    expect((error as AnswerTooLargeError).code).toBe("answer-too-large");
    // The server was stopped long before 64 MiB (socket buffers allow a few MiB at most).
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it("passes an answer without a body (304) as it is", async () => {
    const response = await capped(`${base}/not-modified`);
    expect(response.status).toBe(304);
    expect(response.headers.get("etag")).toBe('"a"');
  });
});
