import { z } from "zod";
import type { Build, BuildIntake } from "./build.js";
import { closedObject, compactSource, imageField, sourceSchema } from "./build-fields.js";
import { describeIssues, renderValue } from "./problems.js";

/** The `event_type` a workflow sends; GitHub delivers it as the payload's `action`. */
export const BUILD_EVENT_TYPE = "bender.build";

// GitHub adds fields to the envelope over time, so only what Bender reads is checked there.
const envelopeSchema = z.object(
  { action: z.string({ error: "expected the dispatch's event type as a string" }) },
  { error: "expected a repository_dispatch payload: an object with action and client_payload" },
);

const clientPayloadSchema = closedObject({ image: imageField, source: sourceSchema.optional() });

/**
 * Reads a `repository_dispatch` webhook. Only event type `bender.build` is
 * Bender's; its `client_payload` is `{ image, source? }` and refuses unknown
 * fields by name (manifest repositories are not chosen here: the dispatch
 * already targets one).
 */
export function buildFromDispatch(payload: unknown): BuildIntake {
  const envelope = envelopeSchema.safeParse(payload);
  if (!envelope.success) {
    return { kind: "invalid", problems: describeIssues(envelope.error.issues, payload, { prefix: "", where: "the payload" }) };
  }
  if (envelope.data.action !== BUILD_EVENT_TYPE) {
    return {
      kind: "ignored",
      reason: `repository_dispatch event type ${renderValue(envelope.data.action)} is not "${BUILD_EVENT_TYPE}"`,
    };
  }

  const clientPayload = (payload as { client_payload?: unknown }).client_payload;
  const parsed = clientPayloadSchema.safeParse(clientPayload);
  if (!parsed.success) {
    return {
      kind: "invalid",
      problems: describeIssues(parsed.error.issues, clientPayload, { prefix: "client_payload", where: "client_payload" }),
    };
  }
  const { image } = parsed.data;
  const source = compactSource(parsed.data.source);
  const build: Build = { image, origin: "dispatch" };
  if (source !== undefined) build.source = source;
  return { kind: "build", build };
}
