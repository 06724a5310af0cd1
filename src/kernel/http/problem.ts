/*
 * Turns any error into what a client should see: an AppError keeps its status
 * and code; Fastify's own 4xx errors (bad JSON, body too large, schema
 * validation) become clear 4xx naming the field; anything else is a 500 whose
 * details stay in the log.
 */
import type { FastifyError } from "fastify";
import { AppError, type FieldProblem, type PeopleMessage } from "../errors.ts";

export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  fields: FieldProblem[];
  forPeople?: PeopleMessage;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export const titleFor = (status: number) => TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error");

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string };
}

function fieldOf(issue: ValidationIssue, context: string | undefined): string {
  const path = (issue.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
  const missing = issue.params?.missingProperty;
  return [path, missing].filter(Boolean).join(".") || context || "body";
}

export function toProblem(error: unknown): Problem {
  if (error instanceof AppError) {
    return {
      status: error.status,
      code: error.code,
      title: titleFor(error.status),
      ...(error.expose ? { detail: error.message } : {}),
      fields: error.fields,
      ...(error.forPeople ? { forPeople: error.forPeople } : {}),
    };
  }
  const fe = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const fields = fe.validation.map((v) => ({ field: fieldOf(v, fe.validationContext), message: v.message ?? "is invalid" }));
    return { status: 400, code: "invalid_input", title: titleFor(400), detail: "Some fields are invalid", fields };
  }
  const status = typeof fe.statusCode === "number" ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = (fe.code ?? "bad_request").toLowerCase().replace(/^fst_err_/, "");
    return { status, code, title: titleFor(status), ...(fe.message ? { detail: fe.message } : {}), fields: [] };
  }
  return { status: status >= 500 && status < 600 ? status : 500, code: "internal_error", title: titleFor(500), fields: [] };
}
