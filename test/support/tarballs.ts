import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import type { Headers } from "tar-stream";

/** One entry of a test archive: a file's text, or any tar header (links, devices, hostile names). */
export type TarEntry = { name: string; content?: string } & Partial<Headers>;

/**
 * A gzipped tarball shaped like GitHub's: a pax global header carrying the
 * commit, then everything under `<owner>-<repo>-<sha7>/` (unless a name is
 * given `raw`, for hostile entries that must stay exactly as written).
 */
export async function githubTarball(sha: string, entries: readonly (TarEntry & { raw?: boolean })[], top = `acme-manifests-${sha.slice(0, 7)}`): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  archive.entry({ name: "pax_global_header", type: "pax-global-header", pax: { comment: sha } } as Headers);
  archive.entry({ name: `${top}/`, type: "directory" });
  for (const { raw, content, ...header } of entries) {
    const name = raw ? header.name : `${top}/${header.name}`;
    if (content !== undefined) archive.entry({ ...header, name, type: header.type ?? "file" }, content);
    else archive.entry({ ...header, name });
  }
  archive.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}
