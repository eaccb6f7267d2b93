import { connect as connectHttp2, constants, type ClientHttp2Session } from "node:http2";
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from "node:tls";
import type { KubeTarget, TransportAnswer, TransportLimits, TransportRequest } from "./kube-transport-types.js";
import { overBudget, timedOut } from "./kube-transport-types.js";

/**
 * A TLS connection to the server offering h2 and http/1.1 (ALPN), as kubectl does: the socket and what the
 * server chose. A server, or a proxy in front of it, that does not speak HTTP/2 chooses http/1.1 or nothing.
 */
export function negotiate(target: KubeTarget, tls: ConnectionOptions, timeoutMs: number): Promise<{ socket: TLSSocket; protocol: string }> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({
      ...tls, host: target.hostname, port: Number(target.port), ALPNProtocols: ["h2", "http/1.1"],
      ...(target.servername === "" ? {} : { servername: target.servername }),
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(timedOut({ timeoutMs, maxAnswerBytes: 0 })));
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      socket.setTimeout(0);
      socket.off("error", reject);
      resolve({ socket, protocol: socket.alpnProtocol || "http/1.1" });
    });
  });
}

/** A stream the server refused before processing it (GOAWAY, REFUSED_STREAM): safe to send again on a new connection. */
export class RefusedStreamError extends Error {
  override readonly name = "RefusedStreamError";
}

/**
 * One HTTP/2 session over a negotiated socket; requests are multiplexed on it. The session holds the process
 * open only while a request is in flight; `usable` turns false once the server sends GOAWAY or the connection ends.
 */
export function http2Session(target: KubeTarget, socket: TLSSocket): { usable(): boolean; send(request: TransportRequest, limits: TransportLimits): Promise<TransportAnswer>; close(): void } {
  const authority = `https://${target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname}:${target.port}`;
  const session: ClientHttp2Session = connectHttp2(authority, { createConnection: () => socket });
  let ended = false;
  let active = 0;
  session.unref();
  session.on("goaway", () => (ended = true));
  session.on("close", () => (ended = true));
  // A session error also fails its streams, which report it; the session is simply not used again.
  session.on("error", () => (ended = true));

  function send(request: TransportRequest, limits: TransportLimits): Promise<TransportAnswer> {
    return new Promise<TransportAnswer>((resolve, reject) => {
      let stream;
      try {
        stream = session.request({ ":method": request.method, ":path": request.path, ...request.headers }, { endStream: request.body === undefined });
      } catch (error) {
        // The session went away between the check and the request: nothing was sent.
        ended = true;
        reject(new RefusedStreamError((error as Error).message, { cause: error }));
        return;
      }
      if (active++ === 0) session.ref();
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        if (--active === 0) session.unref();
        outcome();
      };
      let status = 0;
      let received = 0;
      const chunks: Buffer[] = [];
      stream.setTimeout(limits.timeoutMs, () => {
        settle(() => reject(timedOut(limits)));
        stream.close(constants.NGHTTP2_CANCEL);
      });
      stream.on("response", (headers) => (status = Number(headers[":status"] ?? 0)));
      stream.on("data", (chunk: Buffer) => {
        if (request.discardAnswer && status >= 200 && status <= 299) return;
        received += chunk.length;
        if (received > limits.maxAnswerBytes) {
          settle(() => reject(overBudget(request, limits)));
          stream.close(constants.NGHTTP2_CANCEL);
          return;
        }
        chunks.push(chunk);
      });
      stream.on("end", () => settle(() => resolve({ status, text: Buffer.concat(chunks).toString("utf8") })));
      // Refused before any answer (REFUSED_STREAM, or cut off by the server's GOAWAY): the server did not process it.
      const refused = (error?: Error) => status === 0 && (stream.rstCode === constants.NGHTTP2_REFUSED_STREAM || (error as { code?: string } | undefined)?.code === "ERR_HTTP2_GOAWAY_SESSION");
      stream.on("error", (error) => settle(() => reject(refused(error) ? new RefusedStreamError(error.message, { cause: error }) : error)));
      stream.on("close", () => settle(() => reject(refused()
        ? new RefusedStreamError("the Kubernetes API refused the request (its connection is closing)")
        : new Error(`the Kubernetes API closed the stream without an answer (HTTP/2 code ${stream.rstCode})`))));
      if (request.body !== undefined) stream.end(request.body);
    });
  }

  return {
    usable: () => !ended && !session.closed && !session.destroyed,
    send,
    close: () => session.close(),
  };
}
