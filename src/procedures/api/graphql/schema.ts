/* The executable schema: DS's SDL (sdl.ts) with DS's scalars' formats. */
import { buildSchema, GraphQLError, type GraphQLScalarType, type GraphQLSchema, Kind, type ValueNode } from "graphql";
import { SDL } from "./sdl.ts";

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseDateTime(value: unknown): Date {
  if (typeof value !== "string" || !DATE_TIME.test(value)) {
    throw new GraphQLError("ISO8601DateTime: expected an ISO 8601 date and time with its offset, e.g. 2026-03-01T12:00:00Z", {
      extensions: { code: "bad_request" },
    });
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new GraphQLError(`ISO8601DateTime: ${value} is not a date`, { extensions: { code: "bad_request" } });
  return date;
}

function parseDate(value: unknown): string {
  if (typeof value !== "string" || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new GraphQLError("ISO8601Date: expected a date YYYY-MM-DD", { extensions: { code: "bad_request" } });
  }
  return value;
}

function parseBigInt(value: unknown): string {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && /^-?\d{1,19}$/.test(value)) return value;
  throw new GraphQLError("BigInt: expected a whole number", { extensions: { code: "bad_request" } });
}

const literal = (parse: (v: unknown) => unknown) => (ast: ValueNode) =>
  parse(ast.kind === Kind.STRING || ast.kind === Kind.INT ? (ast.kind === Kind.INT ? Number(ast.value) : ast.value) : undefined);

function scalar(schema: GraphQLSchema, name: string, impl: Pick<GraphQLScalarType, "serialize" | "parseValue" | "parseLiteral">) {
  const type = schema.getType(name) as GraphQLScalarType;
  Object.assign(type, impl);
}

export function buildApiSchema(): GraphQLSchema {
  const schema = buildSchema(SDL);
  scalar(schema, "ISO8601DateTime", {
    serialize: (v) => (v instanceof Date ? v.toISOString() : String(v)),
    parseValue: parseDateTime,
    parseLiteral: literal(parseDateTime),
  });
  scalar(schema, "ISO8601Date", {
    serialize: (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v)),
    parseValue: parseDate,
    parseLiteral: literal(parseDate),
  });
  scalar(schema, "BigInt", {
    serialize: (v) => String(v),
    parseValue: parseBigInt,
    parseLiteral: literal(parseBigInt),
  });
  scalar(schema, "URL", { serialize: (v) => String(v), parseValue: (v) => String(v), parseLiteral: literal((v) => String(v)) });
  return schema;
}
