/*
 * One error model. An AppError carries its HTTP status, a stable machine code
 * (`dossier_not_found`), and whether its message may be shown. Modules add codes,
 * not classes. The HTTP layer renders it as application/problem+json (RFC 9457)
 * for APIs and as a DSFR error page for people.
 */

export interface FieldProblem {
  /** Name of the field at fault, as sent by the client (`email`, `address.postcode`). */
  field: string;
  message: string;
}

/** A message for people, in each language of the interface (error pages show it). */
export type PeopleMessage = { fr: string; en: string };

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  /** Whether `message` may be shown to the client. Server errors never expose theirs. */
  readonly expose: boolean;
  readonly fields: FieldProblem[];
  /** Shown on the DSFR error page; the English `message` goes to API clients and logs. */
  readonly forPeople: PeopleMessage | undefined;
  constructor(
    status: number,
    code: string,
    message: string,
    options: { fields?: FieldProblem[]; cause?: unknown; forPeople?: PeopleMessage } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.status = status;
    this.code = code;
    this.expose = status < 500;
    this.fields = options.fields ?? [];
    this.forPeople = options.forPeople;
  }
}

export class NotFoundError extends AppError {
  constructor(code = "not_found", message = "Resource not found") {
    super(404, code, message);
    this.name = "NotFoundError";
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldProblem[], message = "Some fields are invalid", code = "invalid_input") {
    super(400, code, message, { fields });
    this.name = "ValidationError";
  }
}

export class ForbiddenError extends AppError {
  constructor(code = "forbidden", message = "You are not allowed to do this") {
    super(403, code, message);
    this.name = "ForbiddenError";
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(409, code, message);
    this.name = "ConflictError";
  }
}
