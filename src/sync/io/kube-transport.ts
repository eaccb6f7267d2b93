import type { ConnectionOptions } from "node:tls";
import { http1Sender } from "./kube-http1.js";
import { http2Session, negotiate, RefusedStreamError } from "./kube-http2.js";
import { targetOf, type KubeTarget, type TransportAnswer, type TransportLimits, type TransportRequest } from "./kube-transport-types.js";

/** How requests reach one API server with one set of TLS settings. */
export interface KubeTransport {
  readonly target: KubeTarget;
  send(request: TransportRequest, limits: TransportLimits): Promise<TransportAnswer>;
  /** What the last connection negotiated: "h2", "http/1.1", or undefined before the first request. */
  protocol(): "h2" | "http/1.1" | undefined;
}

type Session = ReturnType<typeof http2Session>;

/**
 * HTTP/2 when the server offers it (ALPN), as kubectl and client-go do: one TLS connection carries every request
 * of a run, which costs the client about a third less CPU per request than HTTP/1.1's eight keep-alive
 * connections. A server (or a proxy in front of it) that does not offer h2 is spoken to over HTTP/1.1 for the
 * rest of the process; `http://` servers always are. A session the server ends (GOAWAY, idle close) is replaced
 * on the next request; a request the server refused unprocessed is sent once more, on the new session.
 */
export function kubeTransport(server: string, tls: ConnectionOptions): KubeTransport {
  const target = targetOf(server, tls.servername);
  const http1 = http1Sender(target, tls);
  let mode: "h2" | "http/1.1" | undefined = target.protocol === "http:" ? "http/1.1" : undefined;
  let session: Promise<Session | undefined> | undefined;

  function open(limits: TransportLimits): Promise<Session | undefined> {
    const opened = negotiate(target, tls, limits.timeoutMs).then(({ socket, protocol }) => {
      if (protocol !== "h2") {
        // Not reused: the keep-alive agent opens its own connections; one handshake per process is lost.
        socket.destroy();
        mode = "http/1.1";
        return undefined;
      }
      mode = "h2";
      return http2Session(target, socket);
    });
    session = opened;
    // A failed connection (refused, bad certificate) is reported to its request; the next one tries again.
    opened.catch(() => (session === opened ? (session = undefined) : undefined));
    return opened;
  }

  /** The live HTTP/2 session, a new one when the last ended, or undefined once the server chose HTTP/1.1. */
  async function sessionFor(limits: TransportLimits): Promise<Session | undefined> {
    for (;;) {
      const current = session ?? open(limits);
      const live = await current;
      if (live === undefined || live.usable()) return live;
      if (session === current) session = undefined;
    }
  }

  async function send(request: TransportRequest, limits: TransportLimits): Promise<TransportAnswer> {
    const path = `${target.base}${request.path}`;
    const onWire = { ...request, path };
    if (mode === "http/1.1") return http1(onWire, limits);
    for (let attempt = 0; ; attempt++) {
      const live = await sessionFor(limits);
      if (!live) return http1(onWire, limits);
      try {
        return await live.send(onWire, limits);
      } catch (error) {
        if (!(error instanceof RefusedStreamError) || attempt > 0) throw error;
      }
    }
  }

  return { target, send, protocol: () => mode };
}
