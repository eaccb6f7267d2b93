import type { ConnectionOptions } from "node:tls";
import { http1Sender } from "./kube-http1.js";
import { targetOf, type KubeTarget, type TransportAnswer, type TransportLimits, type TransportRequest } from "./kube-transport-types.js";

/** How requests reach one API server with one set of TLS settings. */
export interface KubeTransport {
  readonly target: KubeTarget;
  send(request: TransportRequest, limits: TransportLimits): Promise<TransportAnswer>;
}

/**
 * HTTP/1.1 over a pool of 8 keep-alive connections (`kube-http1.ts`), the path prefix of the server's URL added to
 * every request. HTTP/2, which API servers and kubectl speak, was measured (docs/sync.md, "Connection"): about a
 * tenth less client CPU per request, but 8 to 10 MiB more peak RSS in a 1,000-object run, which the 128 MiB budget
 * does not leave room for.
 */
export function kubeTransport(server: string, tls: ConnectionOptions): KubeTransport {
  const target = targetOf(server, tls.servername);
  const http1 = http1Sender(target, tls);
  return { target, send: (request, limits) => http1({ ...request, path: `${target.base}${request.path}` }, limits) };
}
