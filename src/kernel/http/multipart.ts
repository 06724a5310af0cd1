/*
 * Forms with files (multipart/form-data), parsed as a content type so that the
 * body is there before the CSRF check, like any form: text fields become the
 * same null-prototype record as an urlencoded form (a repeated name gives an
 * array), and the files, held in memory up to a limit, wait under FILES. A
 * file over the limit, too many files or fields give a 413 naming the limit;
 * nothing is half-parsed.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../errors.ts";
import { MAX_FORM_FIELDS } from "./form.ts";
import { boundaryOf, MultipartParser, type PartHeaders } from "./multipart-parser.ts";

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

/** Bytes of one text field (a long-text answer is limited far below). */
const FIELD_SIZE = 1024 * 1024;

/** Parses multipart/form-data bodies of the routes of `app` (a plugin scope). */
export function registerMultipart(app: FastifyInstance, limits: MultipartLimits): void {
  app.addContentTypeParser("multipart/form-data", (request, payload, done) => {
    const body: Record<string | symbol, unknown> = Object.create(null);
    const files: UploadedFile[] = [];
    let failed: AppError | undefined;
    const fail = (err: AppError) => {
      failed ??= err;
    };
    let fields = 0;
    let total = 0;
    // the part being read: a field's bytes, or a file's
    let part: { headers: PartHeaders; chunks: Buffer[]; size: number; over: boolean } | undefined;

    let parser: MultipartParser;
    try {
      parser = new MultipartParser(boundaryOf(request.headers["content-type"]), {
        start(headers) {
          part = { headers, chunks: [], size: 0, over: false };
          if (headers.filename === undefined) {
            if (++fields > MAX_FORM_FIELDS)
              fail(new AppError(413, "too_many_fields", `A form may not have more than ${MAX_FORM_FIELDS} fields`));
          } else if (files.length >= limits.files) {
            fail(tooLarge(`Au plus ${limits.files} fichiers à la fois.`, `At most ${limits.files} files at once.`));
          }
        },
        data(bytes) {
          const p = part as NonNullable<typeof part>;
          if (failed || p.over) return;
          p.size += bytes.length;
          if (p.headers.filename === undefined) {
            if (p.size > FIELD_SIZE) fail(new AppError(413, "field_too_large", `The field ${p.headers.name} is larger than 1 MB`));
            else p.chunks.push(bytes);
            return;
          }
          if (p.size > limits.fileSize) {
            // the rest of the form is still read: the page can say which file, next to its field
            p.over = true;
            total -= p.size - bytes.length;
            p.chunks.length = 0;
            return;
          }
          total += bytes.length;
          if (total > limits.totalSize) {
            fail(
              tooLarge(
                "Les fichiers envoyés ensemble dépassent la taille maximale : envoyez-les en plusieurs fois.",
                "The files sent together are too large: send them in several goes.",
              ),
            );
            return;
          }
          p.chunks.push(bytes);
        },
        end() {
          const p = part as NonNullable<typeof part>;
          part = undefined;
          if (failed) return;
          const { name, filename, contentType } = p.headers;
          if (filename === undefined) {
            const value = p.chunks.length === 1 ? (p.chunks[0] as Buffer).toString("utf8") : Buffer.concat(p.chunks).toString("utf8");
            const existing = body[name];
            if (existing === undefined) body[name] = value;
            else if (Array.isArray(existing)) existing.push(value);
            else body[name] = [existing as string, value];
            return;
          }
          // An empty file input sends a part without a file name or content: nothing was chosen.
          if (!filename && p.size === 0) return;
          files.push({
            field: name,
            filename: filename || "fichier",
            claimedType: contentType,
            bytes: p.over ? Buffer.alloc(0) : Buffer.concat(p.chunks),
            ...(p.over ? { tooLarge: true as const } : {}),
          });
        },
      });
    } catch (err) {
      done(new AppError(400, "invalid_multipart", (err as Error).message), undefined);
      return;
    }
    const unreadable = (err: Error) => fail(new AppError(400, "invalid_multipart", `Unreadable form: ${err.message}`));
    payload.on("data", (chunk: Buffer) => {
      if (failed) return; // read to the end, so that the answer reaches the browser
      try {
        parser.write(chunk);
      } catch (err) {
        unreadable(err as Error);
      }
    });
    let finished = false;
    payload.on("error", (err: Error) => {
      // the browser went away mid-form: nobody reads the answer, but the request must end
      if (finished) return;
      finished = true;
      done(new AppError(400, "invalid_multipart", `Unreadable form: ${err.message}`), undefined);
    });
    payload.on("end", () => {
      if (finished) return;
      finished = true;
      if (!failed) {
        try {
          parser.end();
        } catch (err) {
          unreadable(err as Error);
        }
      }
      if (failed) {
        done(failed, undefined);
        return;
      }
      body[FILES] = files;
      body[LIMIT] = limits.fileSize;
      done(null, body);
    });
  });
}
