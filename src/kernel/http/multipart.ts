/*
 * Forms with files (multipart/form-data), parsed as a content type so that the
 * body is there before the CSRF check, like any form: text fields become the
 * same null-prototype record as an urlencoded form (a repeated name gives an
 * array), and the files, held in memory up to a limit, wait under FILES. A
 * file over the limit, too many files or fields give a 413 naming the limit;
 * nothing is half-parsed.
 */
import { Busboy, type BusboyHeaders } from "@fastify/busboy";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../errors.ts";
import { MAX_FORM_FIELDS } from "./form.ts";

export interface UploadedFile {
  /** The form field's name (e.g. `fichiers[12]`). */
  field: string;
  /** The name the browser gave, unverified (cleaned by whoever keeps it). */
  filename: string;
  /** What the browser claimed: never trusted for the file's kind. */
  claimedType: string;
  /** Empty when the file was over the size limit (`tooLarge`). */
  bytes: Buffer;
  /** Over the size limit: its content was dropped while the rest of the form was read. */
  tooLarge?: true;
}

/** Where the parsed body keeps the files of a multipart form. */
export const FILES = Symbol("uploaded files");

export interface MultipartLimits {
  /** Bytes of one file. */
  fileSize: number;
  files: number;
  /** Bytes of all files together. */
  totalSize: number;
}

/**
 * The files of the request's form (none for a form without files). A file over
 * the size limit is a 413 naming it, unless the caller takes them (`keepTooLarge`)
 * to say so next to the field while keeping the rest of what was typed.
 */
export function uploadedFiles(request: FastifyRequest, options: { keepTooLarge?: boolean } = {}): UploadedFile[] {
  const body = request.body as { [FILES]?: UploadedFile[]; [LIMIT]?: number } | undefined;
  const files = body?.[FILES] ?? [];
  const over = files.find((f) => f.tooLarge);
  if (over && !options.keepTooLarge) {
    const mb = Math.round((body?.[LIMIT] ?? 0) / 1024 / 1024);
    throw tooLarge(`Le fichier « ${over.filename} » dépasse ${mb} Mo.`, `The file “${over.filename}” is larger than ${mb} MB.`);
  }
  return files;
}

const LIMIT = Symbol("file size limit");

const tooLarge = (fr: string, en: string) => new AppError(413, "upload_too_large", en, { forPeople: { fr, en } });

/** Parses multipart/form-data bodies of the routes of `app` (a plugin scope). */
export function registerMultipart(app: FastifyInstance, limits: MultipartLimits): void {
  app.addContentTypeParser("multipart/form-data", (request, payload, done) => {
    let busboy: InstanceType<typeof Busboy>;
    try {
      busboy = new Busboy({
        headers: request.headers as BusboyHeaders,
        limits: {
          fileSize: limits.fileSize,
          files: limits.files,
          fields: MAX_FORM_FIELDS,
          fieldSize: 1024 * 1024,
          parts: MAX_FORM_FIELDS + limits.files,
        },
      });
    } catch (err) {
      done(new AppError(400, "invalid_multipart", (err as Error).message), undefined);
      return;
    }
    const body: Record<string | symbol, unknown> = Object.create(null);
    const files: UploadedFile[] = [];
    let total = 0;
    let failed: AppError | undefined;
    const fail = (err: AppError) => {
      failed ??= err;
    };
    busboy.on("field", (name: string, value: string) => {
      const existing = body[name];
      if (existing === undefined) body[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else body[name] = [existing as string, value];
    });
    busboy.on(
      "file",
      (field: string, stream: NodeJS.ReadableStream & { truncated?: boolean }, filename: string, _enc: string, mimetype: string) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => {
          total += chunk.length;
          if (total > limits.totalSize) {
            fail(
              tooLarge(
                "Les fichiers envoyés ensemble dépassent la taille maximale : envoyez-les en plusieurs fois.",
                "The files sent together are too large: send them in several goes.",
              ),
            );
            return;
          }
          if (!failed) chunks.push(chunk);
        });
        let over = false;
        stream.on("limit", () => {
          // the rest of the form is still read: the page can say which file, next to its field
          over = true;
          chunks.length = 0;
        });
        stream.on("end", () => {
          // An empty file input sends a part without a name or content: nothing was chosen.
          if (!filename && chunks.length === 0 && !over) return;
          files.push({
            field,
            filename: filename || "fichier",
            claimedType: mimetype,
            bytes: over ? Buffer.alloc(0) : Buffer.concat(chunks),
            ...(over ? { tooLarge: true as const } : {}),
          });
        });
      },
    );
    busboy.on("filesLimit", () => fail(tooLarge(`Au plus ${limits.files} fichiers à la fois.`, `At most ${limits.files} files at once.`)));
    busboy.on("fieldsLimit", () => fail(new AppError(413, "too_many_fields", `A form may not have more than ${MAX_FORM_FIELDS} fields`)));
    busboy.on("partsLimit", () => fail(new AppError(413, "too_many_fields", "Too many parts in this form")));
    busboy.on("error", (err: Error) => fail(new AppError(400, "invalid_multipart", `Unreadable form: ${err.message}`)));
    busboy.on("finish", () => {
      if (failed) {
        done(failed, undefined);
        return;
      }
      body[FILES] = files;
      body[LIMIT] = limits.fileSize;
      done(null, body);
    });
    payload.pipe(busboy);
  });
}
