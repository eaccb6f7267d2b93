import nock from "nock";
import { afterEach, beforeAll } from "vitest";
import { invalidDocuments } from "./fake-github.js";

// No network beyond this machine: GitHub, Slack and Kubernetes are intercepted.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
});

// A mock that was never used, or a document GitHub's schema rejects, fails the test.
afterEach(() => {
  const pending = nock.pendingMocks();
  const invalid = invalidDocuments.splice(0);
  nock.cleanAll();
  if (pending.length > 0) throw new Error(`expected requests never made:\n  ${pending.join("\n  ")}`);
  if (invalid.length > 0) throw new Error(`GraphQL documents invalid against GitHub's schema:\n${JSON.stringify(invalid, null, 2)}`);
});
