import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { ConnectionOptions } from "node:tls";
import type { KubeTarget, TransportAnswer, TransportLimits, TransportRequest } from "./kube-transport-types.js";
import { overBudget, timedOut } from "./kube-transport-types.js";

/**
 * HTTP/1.1 to the API server through one keep-alive agent (8 connections): for `http://` servers, and for
 * servers (or proxies in front of them) that do not offer h2. Idle sockets do not keep the process alive.
 */
export function http1Sender(target: KubeTarget, tls: ConnectionOptions): (request: TransportRequest, limits: TransportLimits) => Promise<TransportAnswer> {
  const send = target.protocol === "http:" ? httpRequest : httpsRequest;
  const agent = target.protocol === "http:" ? new HttpAgent({ keepAlive: true, maxSockets: 8 }) : new HttpsAgent({ ...tls, keepAlive: true, maxSockets: 8 });
  return (request, limits) => new Promise<TransportAnswer>((resolve, reject) => {
    const outgoing = send({
      protocol: target.protocol, hostname: target.hostname, port: target.port, path: request.path,
      method: request.method, agent, servername: target.servername ?? "", headers: request.headers,
    }, (response) => {
      const status = response.statusCode ?? 0;
      if (request.discardAnswer && status >= 200 && status <= 299) {
        response.on("end", () => resolve({ status, text: "" }));
        response.on("error", reject);
        response.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > limits.maxAnswerBytes) {
          response.destroy(overBudget(request, limits));
          return;
        }
        chunks.push(chunk);
      });
      response.on("end", () => resolve({ status, text: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    // A hung API server must not hold the run (and its Lease) for ever.
    outgoing.setTimeout(limits.timeoutMs, () => outgoing.destroy(timedOut(limits)));
    outgoing.end(request.body);
  });
}
