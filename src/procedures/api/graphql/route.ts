/*
 * POST /api/v2/graphql, as DS serves it: a bearer token (401 with
 * WWW-Authenticate when it is missing, unknown, expired or revoked), a rate
 * limit per token, then parse (bounded), validate (GraphQL's rules, DS's
 * leniency on fields of exclusive types, a depth limit), a cost check with the
 * variables, and execution. Errors go in the answer's `errors` with
 * `extensions.code`; an unexpected failure is logged and answered as
 * internal_server_error, never with its message or stack.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type DocumentNode, execute, GraphQLError as GqlError, type GraphQLError, type GraphQLSchema, parse, validate } from "graphql";
import { AppError } from "../../../kernel/errors.ts";
import { createRateLimiter } from "../../../kernel/http/rate-limit.ts";
import type { Revisions, ServiceDeps } from "../../service/context.ts";
import type { InstructionService } from "../../service/instruction.ts";
import { fileUrlSigner } from "../files.ts";
import { numericIdOf } from "../ids.ts";
import { authenticate, type TokenRefusal } from "../tokens.ts";
import { type ApiContext, createLoaders, fragmentTypes, notFound } from "./context.ts";
import { demarcheModel, descriptorModel, groupModel } from "./demarche.ts";
import { dossierModel, findVisibleDossier } from "./dossier.ts";
import { checkCost, MAX_TOKENS, VALIDATION_RULES } from "./limits.ts";
import { MUTATIONS } from "./mutations.ts";
import { buildApiSchema } from "./schema.ts";

/** DS's limit (RACK_ATTACK_GRAPHQL_LIMIT): requests per minute and per token. */
export const REQUESTS_PER_MINUTE = 400;
const MAX_QUERY_LENGTH = 100_000;

const REFUSALS: Record<TokenRefusal, string> = {
  missing: "An API token is required: Authorization: Bearer <token>",
  malformed: "The Authorization header does not carry a Guichet API token",
  unknown: "This token is not valid",
  expired: "This token has expired",
  revoked: "This token has been revoked",
};

async function procedureInScope(ctx: ApiContext, number: unknown) {
  const id = typeof number === "number" && Number.isSafeInteger(number) ? String(number) : undefined;
  const procedure = id && ctx.token.procedureIds.has(id) ? await ctx.load.procedure(id) : undefined;
  if (!procedure) throw notFound("Demarche");
  return procedure;
}

const QUERIES = {
  demarche: async (args: { number: number }, ctx: ApiContext) => demarcheModel(await procedureInScope(ctx, args.number), ctx),
  demarcheDescriptor: async (args: { demarche: { number?: number | null; id?: string | null } }, ctx: ApiContext) => {
    const number = args.demarche.number ?? Number(numericIdOf(args.demarche.id, "Procedure") ?? Number.NaN);
    return descriptorModel(await procedureInScope(ctx, number), ctx);
  },
  dossier: async (args: { number: number }, ctx: ApiContext) => {
    const dossier = await findVisibleDossier(ctx, String(args.number));
    if (!dossier) throw notFound("Dossier");
    return dossierModel(dossier, ctx);
  },
  groupeInstructeur: async (args: { number: number }, ctx: ApiContext) => {
    const group = Number.isSafeInteger(args.number) ? await ctx.load.group(String(args.number)) : undefined;
    if (!group || !ctx.token.procedureIds.has(group.procedure_id)) throw notFound("GroupeInstructeur");
    return groupModel(group, ctx);
  },
};

const ROOT = { ...QUERIES, ...MUTATIONS };

function gqlError(message: string, code: string, extra: Record<string, unknown> = {}) {
  return { message, extensions: { code, ...extra } };
}

/** An error as the answer shows it: a GraphQL error keeps its message; anything else is internal and said no more. */
function shown(error: GraphQLError, request: FastifyRequest) {
  const original = error.originalError;
  if (original && !(original instanceof GqlError) && !(original instanceof AppError && original.status < 500)) {
    request.log.error({ err: original, path: error.path }, "graphql resolver failed");
    return { ...gqlError("Internal Server Error", "internal_server_error"), ...(error.path ? { path: error.path } : {}) };
  }
  if (original instanceof AppError) {
    return { message: original.message, ...(error.path ? { path: error.path } : {}), extensions: { code: original.code } };
  }
  const json = error.toJSON();
  return { ...json, extensions: { code: "bad_request", ...json.extensions } };
}

function readBody(body: unknown): { query: string; variables: Record<string, unknown>; operationName: string | undefined } | string {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return "Send a JSON object {query, variables, operationName} with Content-Type: application/json";
  }
  const b = body as Record<string, unknown>;
  if (b.queryId !== undefined && b.query === undefined) {
    return "Stored queries (queryId) are not served here: send the text of the query in `query`";
  }
  if (typeof b.query !== "string" || b.query.trim() === "") return "`query` is missing: send the GraphQL document as a string";
  if (b.query.length > MAX_QUERY_LENGTH) return `\`query\` is longer than ${MAX_QUERY_LENGTH} characters`;
  let variables: unknown = b.variables ?? {};
  if (typeof variables === "string") {
    try {
      variables = variables.trim() === "" ? {} : JSON.parse(variables);
    } catch {
      return "`variables` is a string that is not JSON";
    }
  }
  if (variables === null || typeof variables !== "object" || Array.isArray(variables)) return "`variables` must be a JSON object";
  if (b.operationName !== undefined && b.operationName !== null && typeof b.operationName !== "string") {
    return "`operationName` must be a string";
  }
  return {
    query: b.query,
    variables: variables as Record<string, unknown>,
    operationName: (b.operationName as string | null) ?? undefined,
  };
}

export async function graphqlRoute(
  app: FastifyInstance,
  d: { deps: ServiceDeps; revisions: Revisions; instruction: InstructionService; schema?: GraphQLSchema },
): Promise<void> {
  const { deps, revisions, instruction } = d;
  const schema = d.schema ?? buildApiSchema();
  const limiter = createRateLimiter();
  const publicUrl = deps.config.http.publicUrl;
  const fileUrl = fileUrlSigner(deps.config.secret, publicUrl);

  const unauthorized = (reply: FastifyReply, request: FastifyRequest, refused: TokenRefusal) => {
    const error = refused === "missing" ? "" : ', error="invalid_token"';
    return reply
      .code(401)
      .header("www-authenticate", `Bearer realm="guichet"${error}, error_description="${REFUSALS[refused]}"`)
      .type("application/problem+json")
      .send({
        type: "about:blank",
        title: "Unauthorized",
        status: 401,
        code: refused === "missing" ? "token_required" : "invalid_token",
        detail: REFUSALS[refused],
        instance: `urn:guichet:request:${request.id}`,
      });
  };

  app.post("/api/v2/graphql", { config: { csrf: false } }, async (request, reply) => {
    reply.header("cache-control", "no-store");
    const token = await authenticate(deps.db, deps.config.secret, request.headers.authorization);
    if ("refused" in token) {
      // failed attempts are counted per address: a flood of guesses slows down
      limiter.check(
        [{ name: "graphql-refused", max: deps.config.rateLimitPerMinute, windowMs: 60_000, keys: (r) => [r.ip] }],
        request,
        reply,
      );
      return unauthorized(reply, request, token.refused);
    }
    try {
      limiter.check([{ name: "graphql", max: REQUESTS_PER_MINUTE, windowMs: 60_000, keys: () => [token.id] }], request, reply);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 429) throw err;
      return reply.code(429).send({ errors: [gqlError(err.message, "too_many_requests")] });
    }

    const body = readBody(request.body);
    if (typeof body === "string") return reply.code(400).send({ errors: [gqlError(body, "bad_request")] });
    let document: DocumentNode;
    try {
      document = parse(body.query, { maxTokens: MAX_TOKENS });
    } catch (err) {
      const e = err as GraphQLError;
      return reply.code(400).send({ errors: [{ ...e.toJSON(), extensions: { code: "graphql_parse_failed" } }] });
    }
    const invalid = validate(schema, document, VALIDATION_RULES, { maxErrors: 20 });
    if (invalid.length > 0) {
      return reply.send({
        errors: invalid.map((e) => ({ ...e.toJSON(), extensions: { code: "graphql_validation_failed", ...e.extensions } })),
      });
    }
    const cost = checkCost(schema, document, body.operationName, body.variables);
    if ("error" in cost) return reply.send({ errors: [cost.error.toJSON()] });

    const ctx: ApiContext = {
      deps,
      db: deps.db,
      revisions,
      instruction,
      token,
      fragments: fragmentTypes(document),
      fileUrl,
      publicUrl,
      errors: [],
      load: createLoaders(deps.db),
    };
    const result = await execute({
      schema,
      document,
      rootValue: ROOT,
      contextValue: ctx,
      variableValues: body.variables,
      operationName: body.operationName,
    });
    const errors = [...(result.errors ?? []), ...ctx.errors].map((e) => shown(e, request));
    reply.header("x-graphql-cost", String(cost.cost));
    return reply.send({ ...(errors.length > 0 ? { errors } : {}), ...(result.data !== undefined ? { data: result.data } : {}) });
  });
}
