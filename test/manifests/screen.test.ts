import { describe, expect, it } from "vitest";
import { parseReference } from "../../src/image-ref/index.js";
import { mayReferTo, screenFor } from "../../src/manifests/index.js";
import type { Screen } from "../../src/manifests/index.js";

function screen(reference: string): Screen {
  const parsed = parseReference(reference);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return screenFor(parsed.reference);
}

describe("mayReferTo (the screen before parsing)", () => {
  const api = screen("ghcr.io/acme/api:1");

  it.each([
    "image: ghcr.io/acme/api:1.4.0",
    "image: 'ghcr.io/acme/api@sha256:x'",
    "image: \"GHCR.io/acme/api\"",
    "images: [ghcr.io/acme/api:1, x]",
    "{image: ghcr.io/acme/api}",
    "- nginx=ghcr.io/acme/api:1",
    "image: &a ghcr.io/acme/api:1",
    "repository: acme/api\n",
    "value: x # bender:image ghcr.io/acme/api",
    "newName: ghcr.io/acme/api   # comment",
    // Helm values that split the name at another point: registry ghcr.io/acme, repository api.
    "registry: ghcr.io/acme\nrepository: api\n",
    "image: {registry: ghcr.io/acme, repository: \"api\"}",
  ])("lets through %j", (text) => {
    expect(mayReferTo(Buffer.from(text), api)).toBe(true);
  });

  it.each([
    "apiVersion: apps/v1",
    "name: api", // the last component alone, outside a repository value
    "image: ghcr.io/acme/api-worker:1",
    "image: ghcr.io/acme/public-api:1",
    "image: ghcr.io/acme/api.v2:1",
    "image: ghcr.io/acme/api/migrations:1",
    "image: ghcr.io/xacme/api:1",
    "image: quay.io/acme/api:1",
    "image: docker.io/acme/api:1",
    "image: ghcr.io/team/acme/api:1",
    "image: xghcr.io/acme/api:1",
    "url: https://example.com/acme/api/v1",
    "description: The acme/api of the pool.",
    'expr: rate(x{job="acme/api"}[5m])',
    "kind: Service",
  ])("screens out %j", (text) => {
    expect(mayReferTo(Buffer.from(text), api)).toBe(false);
  });

  it("finds a real reference after near misses in the same file", () => {
    expect(mayReferTo(Buffer.from("apiVersion: v1\nimage: ghcr.io/acme/api-worker:1\nimage: ghcr.io/acme/api:2\n"), api)).toBe(true);
  });

  describe("Docker Hub official images, written in many forms, screen by the last component", () => {
    const redis = screen("redis:7");
    it.each(["image: redis:6", "image: library/redis", "image: docker.io/redis:6", "- redis", "tag: 1 # bender:tag redis"])(
      "lets through %j",
      (text) => {
        expect(mayReferTo(Buffer.from(text), redis)).toBe(true);
      },
    );
    it.each(["image: redis-exporter:6", "summary: redis is down", "host: redis.svc"])("screens out %j", (text) => {
      expect(mayReferTo(Buffer.from(text), redis)).toBe(false);
    });
  });

  it("screens other Docker Hub repositories by their whole path", () => {
    const bitnami = screen("bitnami/redis:7");
    expect(mayReferTo(Buffer.from("image: docker.io/bitnami/redis:6"), bitnami)).toBe(true);
    expect(mayReferTo(Buffer.from("image: index.docker.io/bitnami/redis:6"), bitnami)).toBe(true);
    expect(mayReferTo(Buffer.from("image: bitnami/redis:6"), bitnami)).toBe(true);
    expect(mayReferTo(Buffer.from("image: quay.io/bitnami/redis:6"), bitnami)).toBe(false);
    expect(mayReferTo(Buffer.from("image: redis:6"), bitnami)).toBe(false);
  });
});
