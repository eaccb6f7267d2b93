import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throw-away certificate authority and a server certificate for 127.0.0.1, made once per test process. */
export interface TestCertificates {
  readonly caPem: string;
  readonly keyPem: string;
  readonly certPem: string;
}

let made: TestCertificates | undefined;

/**
 * kubectl sends a bearer token only over HTTPS, so the fake API needs a certificate it trusts.
 * node:crypto makes keys but not X.509 certificates; openssl (always on Debian) signs them.
 */
export function testCertificates(): TestCertificates {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), "fake-kube-tls-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  try {
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=fake-kubernetes-ca", "-keyout", "ca.key", "-out", "ca.crt");
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
      "-extfile", "san.ext", "-out", "server.crt");
    made = {
      caPem: readFileSync(join(dir, "ca.crt"), "utf8"),
      keyPem: readFileSync(join(dir, "server.key"), "utf8"),
      certPem: readFileSync(join(dir, "server.crt"), "utf8"),
    };
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
