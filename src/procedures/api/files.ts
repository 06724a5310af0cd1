/*
 * Download URLs of dossier files for API clients, as DS gives them: signed and
 * short-lived (one hour), so that a client can fetch a file without sending its
 * token, and a URL copied into a log stops working soon. The signature is an
 * HMAC of the file id and the expiry under a key derived from the server secret.
 */
import type { FastifyInstance } from "fastify";
import { deriveKey, hmac, safeEqual } from "../../kernel/crypto.ts";
import { NotFoundError } from "../../kernel/errors.ts";
import type { ServiceDeps } from "../service/context.ts";
import { findFile } from "../service/files.ts";

export const FILE_URL_SECONDS = 3600;
const PATH = "/api/procedures/fichiers";

const signature = (secret: string, fileId: string, expires: number) =>
  hmac(deriveKey(secret, "procedures-api-files").toString("base64url"), "file-url", `${fileId}.${expires}`);

export function fileUrlSigner(secret: string, publicUrl: URL, now: () => number = Date.now) {
  return (fileId: string): string => {
    const expires = Math.floor(now() / 1000) + FILE_URL_SECONDS;
    const url = new URL(`${PATH}/${fileId}`, publicUrl);
    url.searchParams.set("expire", String(expires));
    url.searchParams.set("signature", signature(secret, fileId, expires));
    return url.href;
  };
}

export async function fileRoutes(app: FastifyInstance, deps: ServiceDeps): Promise<void> {
  app.get(`${PATH}/:fileId`, async (request, reply) => {
    const { fileId } = request.params as { fileId: string };
    const query = request.query as Record<string, string | undefined>;
    const expires = Number(query.expire);
    const missing = new NotFoundError("file_not_found", "No such file, or its link expired: ask the API for a new one");
    if (
      !/^[0-9a-f-]{36}$/.test(fileId) ||
      !Number.isSafeInteger(expires) ||
      expires * 1000 < Date.now() ||
      !safeEqual(query.signature ?? "", signature(deps.config.secret, fileId, expires))
    ) {
      throw missing;
    }
    const file = await findFile(deps.db, fileId);
    if (!file?.dossier_id) throw missing;
    const stream = await deps.storage.get(file.storage_key);
    const ascii = file.filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
    return reply
      .type(file.content_type)
      .header("content-disposition", `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "private, no-store")
      .send(stream);
  });
}
