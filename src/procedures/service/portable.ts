/*
 * A procedure as a portable JSON document — to back it up, move it to another
 * Guichet, or start a new procedure from a model: its settings, its form
 * (fields, annotations, eligibility) and its instructor groups with routing,
 * never its dossiers, agents or secrets. The format is described by a JSON
 * Schema served at /api/procedures/schema.json. On import every stable id is
 * given anew by the receiving procedure (conditions and routing rules follow),
 * so an import can never give an old dossier's answers another meaning.
 */
import { AppError } from "../../kernel/errors.ts";
import { parseExpression } from "../conditions/index.ts";
import { EXPRESSION_OPS, type Expression, type FieldDefinition, type FieldOptions, type RevisionDefinition } from "../model.ts";
import type { AttestationTemplate, NotificationEvent, NotificationTemplates, ProcedureRow, SvaSvr } from "../store/procedures.ts";

export const PORTABLE_FORMAT = "guichet.procedure";
export const PORTABLE_VERSION = 1;

export interface PortableProcedure {
  format: typeof PORTABLE_FORMAT;
  version: number;
  procedure: {
    title: string;
    description: string;
    organisation: string;
    audience: string;
    documents: string;
    estimatedMinutes: number | null;
    declarative: "en_instruction" | "accepte" | null;
    svaSvr: SvaSvr | null;
    notifications: NotificationTemplates;
    attestation: AttestationTemplate | null;
  };
  revision: RevisionDefinition;
  groups: { label: string; isDefault: boolean; closed: boolean; routingRule: Expression | null }[];
}

export function toPortable(
  procedure: ProcedureRow,
  definition: RevisionDefinition,
  groups: { label: string; is_default: boolean; closed: boolean; routing_rule: Expression | null }[],
): PortableProcedure {
  return {
    format: PORTABLE_FORMAT,
    version: PORTABLE_VERSION,
    procedure: {
      title: procedure.title,
      description: procedure.description,
      organisation: procedure.organisation,
      audience: procedure.audience,
      documents: procedure.documents,
      estimatedMinutes: procedure.estimated_minutes,
      declarative: procedure.declarative,
      svaSvr: procedure.sva_svr,
      notifications: procedure.notifications ?? {},
      attestation: procedure.attestation,
    },
    revision: definition,
    groups: groups.map((g) => ({ label: g.label, isDefault: g.is_default, closed: g.closed, routingRule: g.routing_rule })),
  };
}

const bad = (path: string, en: string, fr: string) =>
  new AppError(400, "invalid_procedure_file", `${path}: ${en}`, {
    fields: [{ field: path, message: en }],
    forPeople: { fr: `Fichier de démarche invalide (${path}) : ${fr}`, en: `Invalid procedure file (${path}): ${en}` },
  });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);
const listOf =
  <T>(item: (v: unknown) => v is T) =>
  (v: unknown): v is T[] =>
    Array.isArray(v) && v.every(item);
/** An object with only `keys`, each absent or of its kind (`required` ones present). */
const shaped =
  (keys: Record<string, (v: unknown) => boolean>, required: string[] = []) =>
  (v: unknown): boolean =>
    isObject(v) &&
    Object.keys(v).every((k) => k in keys) &&
    required.every((k) => v[k] !== undefined) &&
    Object.entries(keys).every(([k, check]) => v[k] === undefined || check(v[k]));

/** The kind of each option a field may have (model.ts FieldOptions); the checker refuses any other. */
const OPTION_SHAPES: Record<keyof FieldOptions, (v: unknown) => boolean> = {
  level: (v) => v === 1 || v === 2 || v === 3,
  collapsible: isBoolean,
  characterLimit: isInteger,
  min: isNumber,
  max: isNumber,
  format: (v) =>
    isObject(v) && v.mode === "advanced"
      ? shaped({ mode: isString, pattern: isString, example: isString, errorMessage: isString }, ["pattern"])(v)
      : shaped(
          {
            mode: (m) => m === "simple",
            letters: isBoolean,
            digits: isBoolean,
            specialCharacters: isBoolean,
            minLength: isInteger,
            maxLength: isInteger,
          },
          ["mode", "letters", "digits", "specialCharacters"],
        )(v),
  dateRange: shaped({ notBefore: isString, notAfter: isString, pastOnly: isBoolean, futureOnly: isBoolean }),
  choices: listOf(isString),
  other: isBoolean,
  linkedChoices: (v) => Array.isArray(v) && v.every(shaped({ label: isString, secondary: listOf(isString) }, ["label", "secondary"])),
  primaryLabel: isString,
  secondaryLabel: isString,
  maxFiles: isInteger,
  maxBytes: isInteger,
  acceptedKinds: listOf(isString),
  referentielId: isString,
  prefill: isString,
};

/** `json` as an expression (structure and limits), or a refusal at `path`. */
function checkExpressionShape(json: unknown, path: string): Expression {
  const parsed = parseExpression(json);
  if (parsed.ok) return parsed.expression;
  const [first] = parsed.problems;
  const at = first?.path ? `${path}.${first.path}` : path;
  throw bad(at, first?.message.en ?? "is not an expression", first?.message.fr ?? "n’est pas une expression");
}

/** A field of the document, with only the keys a field has (anything else in the file is left out). */
function checkFieldShape(f: unknown, path: string): FieldDefinition {
  if (!isObject(f)) throw bad(path, "must be an object", "doit être un objet");
  if (!Number.isSafeInteger(f.stableId)) throw bad(`${path}.stableId`, "must be an integer", "doit être un entier");
  if (typeof f.type !== "string") throw bad(`${path}.type`, "must be a string", "doit être un texte");
  if (typeof f.label !== "string") throw bad(`${path}.label`, "must be a string", "doit être un texte");
  if (typeof f.mandatory !== "boolean") throw bad(`${path}.mandatory`, "must be true or false", "doit valoir true ou false");
  if (f.description !== undefined && typeof f.description !== "string")
    throw bad(`${path}.description`, "must be a string", "doit être un texte");
  if (f.options !== undefined) {
    if (!isObject(f.options)) throw bad(`${path}.options`, "must be an object", "doit être un objet");
    for (const [key, value] of Object.entries(f.options)) {
      const check = OPTION_SHAPES[key as keyof FieldOptions];
      if (!check) throw bad(`${path}.options.${key}`, "is not an option of a field", "n’est pas une option de champ");
      if (!check(value)) throw bad(`${path}.options.${key}`, "has the wrong kind of value", "n’a pas le bon type de valeur");
    }
  }
  const condition = f.condition === undefined ? undefined : checkExpressionShape(f.condition, `${path}.condition`);
  let children: FieldDefinition[] | undefined;
  if (f.children !== undefined) {
    if (!Array.isArray(f.children)) throw bad(`${path}.children`, "must be a list", "doit être une liste");
    children = f.children.map((c, i) => checkFieldShape(c, `${path}.children[${i}]`));
  }
  return {
    stableId: f.stableId as number,
    type: f.type as FieldDefinition["type"],
    label: f.label,
    ...(f.description !== undefined ? { description: f.description as string } : {}),
    mandatory: f.mandatory,
    ...(condition ? { condition } : {}),
    ...(f.options !== undefined ? { options: f.options as FieldOptions } : {}),
    ...(children ? { children } : {}),
  };
}

const EVENTS: readonly NotificationEvent[] = ["depose", "en_instruction", "accepte", "refuse", "sans_suite", "message", "correction"];

/** The procedure's settings of the document: each of its kind (what the database and the notifications expect). */
function checkSettings(p: Record<string, unknown>): PortableProcedure["procedure"] {
  for (const key of ["title", "description", "organisation", "audience", "documents"] as const) {
    if (typeof p[key] !== "string") throw bad(`procedure.${key}`, "must be a string", "doit être un texte");
  }
  const minutes = p.estimatedMinutes ?? null;
  if (minutes !== null && (!isInteger(minutes) || minutes < 1 || minutes > 600))
    throw bad("procedure.estimatedMinutes", "must be a whole number of minutes (1 to 600)", "doit être un nombre de minutes (1 à 600)");
  const declarative = p.declarative ?? null;
  if (declarative !== null && declarative !== "en_instruction" && declarative !== "accepte")
    throw bad(
      "procedure.declarative",
      'must be "en_instruction", "accepte" or null',
      "doit valoir « en_instruction », « accepte » ou null",
    );
  const sva = p.svaSvr ?? null;
  if (
    sva !== null &&
    !shaped(
      {
        decision: (v) => v === "sva" || v === "svr",
        period: (v) => isInteger(v) && v >= 1 && v <= 365,
        unit: (v) => v === "day" || v === "week" || v === "month",
        resume: (v) => v === "continue" || v === "reset",
      },
      ["decision", "period", "unit", "resume"],
    )(sva)
  )
    throw bad("procedure.svaSvr", "must have decision, period, unit and resume", "doit avoir decision, period, unit et resume");
  if (sva !== null && declarative !== null)
    throw bad("procedure.svaSvr", "cannot go with a declarative procedure", "est incompatible avec une démarche déclarative");
  const notifications = p.notifications ?? {};
  if (!isObject(notifications)) throw bad("procedure.notifications", "must be an object", "doit être un objet");
  for (const [event, t] of Object.entries(notifications)) {
    if (!(EVENTS as readonly string[]).includes(event))
      throw bad(`procedure.notifications.${event}`, "is not an e-mail of the procedure", "n’est pas un e-mail de la démarche");
    if (!shaped({ subject: isString, body: isString }, ["subject", "body"])(t))
      throw bad(`procedure.notifications.${event}`, "must have a subject and a body", "doit avoir subject et body");
  }
  const attestation = p.attestation ?? null;
  if (
    attestation !== null &&
    !shaped({ enabled: isBoolean, title: isString, body: isString, signatory: isString }, ["enabled", "title", "body", "signatory"])(
      attestation,
    )
  )
    throw bad("procedure.attestation", "must have enabled, title, body and signatory", "doit avoir enabled, title, body et signatory");
  return {
    title: p.title as string,
    description: p.description as string,
    organisation: p.organisation as string,
    audience: p.audience as string,
    documents: p.documents as string,
    estimatedMinutes: minutes as number | null,
    declarative: declarative as PortableProcedure["procedure"]["declarative"],
    svaSvr: sva as SvaSvr | null,
    notifications: notifications as NotificationTemplates,
    attestation: attestation as AttestationTemplate | null,
  };
}

/**
 * The document's structure (what JSON Schema says), and a copy of it holding only what
 * a procedure has; the meaning is checked by checkDefinition after renumbering.
 */
export function parsePortable(json: unknown): PortableProcedure {
  if (!isObject(json) || json.format !== PORTABLE_FORMAT)
    throw bad("format", `must be "${PORTABLE_FORMAT}"`, `doit valoir « ${PORTABLE_FORMAT} »`);
  if (json.version !== PORTABLE_VERSION) throw bad("version", `must be ${PORTABLE_VERSION}`, `doit valoir ${PORTABLE_VERSION}`);
  const p = json.procedure;
  if (!isObject(p)) throw bad("procedure", "must be an object", "doit être un objet");
  const procedure = checkSettings(p);
  const r = json.revision;
  if (!isObject(r) || !Array.isArray(r.fields) || !Array.isArray(r.annotations))
    throw bad("revision", "must hold fields and annotations lists", "doit contenir les listes fields et annotations");
  const fields = r.fields.map((f, i) => checkFieldShape(f, `revision.fields[${i}]`));
  const annotations = r.annotations.map((f, i) => checkFieldShape(f, `revision.annotations[${i}]`));
  let ineligibility: RevisionDefinition["ineligibility"];
  if (r.ineligibility !== undefined && r.ineligibility !== null) {
    if (!isObject(r.ineligibility) || typeof r.ineligibility.message !== "string")
      throw bad("revision.ineligibility", "needs a rule and a message", "doit avoir rule et message");
    ineligibility = { rule: checkExpressionShape(r.ineligibility.rule, "revision.ineligibility.rule"), message: r.ineligibility.message };
  }
  if (!Array.isArray(json.groups)) throw bad("groups", "must be a list", "doit être une liste");
  const groups = json.groups.map((g, i) => {
    if (!isObject(g) || typeof g.label !== "string" || typeof g.isDefault !== "boolean")
      throw bad(`groups[${i}]`, "needs a label and isDefault", "doit avoir label et isDefault");
    if (g.closed !== undefined && typeof g.closed !== "boolean")
      throw bad(`groups[${i}].closed`, "must be true or false", "doit valoir true ou false");
    const routingRule =
      g.routingRule === undefined || g.routingRule === null ? null : checkExpressionShape(g.routingRule, `groups[${i}].routingRule`);
    return { label: g.label, isDefault: g.isDefault, closed: g.closed === true, routingRule };
  });
  return {
    format: PORTABLE_FORMAT,
    version: PORTABLE_VERSION,
    procedure,
    revision: { fields, annotations, ...(ineligibility ? { ineligibility } : {}) },
    groups,
  };
}

/** `e` with the document's stable ids replaced by `ids`; a field the document does not have is refused at `path`. */
function remapExpression(e: Expression, ids: Map<number, number>, path: string): Expression {
  if (!("field" in e)) return { op: e.op, operands: e.operands.map((o, i) => remapExpression(o, ids, `${path}.operands[${i}]`)) };
  const to = ids.get(e.field);
  if (to === undefined) {
    throw bad(
      `${path}.field`,
      `names field ${e.field}, which is not in the file`,
      `porte sur le champ n° ${e.field}, qui n’est pas dans le fichier`,
    );
  }
  return { ...e, field: to } as Expression;
}

/**
 * The document's form with stable ids from `allocate` (one per field, children
 * included), every condition, the eligibility rule and routing rules rewritten.
 */
export function renumber(doc: PortableProcedure, fresh: number[]): { definition: RevisionDefinition; groups: PortableProcedure["groups"] } {
  const ids = new Map<number, number>();
  let next = 0;
  const assign = (f: FieldDefinition) => {
    if (!ids.has(f.stableId)) ids.set(f.stableId, fresh[next++] as number);
    for (const c of f.children ?? []) assign(c);
  };
  for (const f of [...doc.revision.fields, ...doc.revision.annotations]) assign(f);
  const rewrite = (f: FieldDefinition, path: string): FieldDefinition => ({
    ...f,
    stableId: ids.get(f.stableId) as number,
    ...(f.condition ? { condition: remapExpression(f.condition, ids, `${path}.condition`) } : {}),
    ...(f.children ? { children: f.children.map((c, i) => rewrite(c, `${path}.children[${i}]`)) } : {}),
  });
  const definition: RevisionDefinition = {
    fields: doc.revision.fields.map((f, i) => rewrite(f, `revision.fields[${i}]`)),
    annotations: doc.revision.annotations.map((f, i) => rewrite(f, `revision.annotations[${i}]`)),
    ...(doc.revision.ineligibility
      ? {
          ineligibility: {
            rule: remapExpression(doc.revision.ineligibility.rule, ids, "revision.ineligibility.rule"),
            message: doc.revision.ineligibility.message,
          },
        }
      : {}),
  };
  const groups = doc.groups.map((g, i) => ({
    ...g,
    routingRule: g.routingRule ? remapExpression(g.routingRule, ids, `groups[${i}].routingRule`) : null,
  }));
  return { definition, groups };
}

/** How many stable ids a document needs. */
export function fieldCount(doc: PortableProcedure): number {
  const count = (list: FieldDefinition[]): number => list.reduce((n, f) => n + 1 + count(f.children ?? []), 0);
  return count(doc.revision.fields) + count(doc.revision.annotations);
}

const expressionSchema = {
  type: "object",
  required: ["op"],
  properties: {
    op: {
      enum: [...EXPRESSION_OPS],
    },
    operands: { type: "array", items: { $ref: "#/$defs/expression" } },
    field: { type: "integer" },
    value: { type: ["string", "number", "boolean"] },
  },
  additionalProperties: false,
};

const fieldSchema = {
  type: "object",
  required: ["stableId", "type", "label", "mandatory"],
  properties: {
    stableId: { type: "integer", minimum: 1 },
    type: { type: "string" },
    label: { type: "string", maxLength: 300 },
    description: { type: "string", maxLength: 10000 },
    mandatory: { type: "boolean" },
    condition: { $ref: "#/$defs/expression" },
    options: {
      type: "object",
      properties: {
        level: { enum: [1, 2, 3] },
        collapsible: { type: "boolean" },
        characterLimit: { type: "integer" },
        min: { type: "number" },
        max: { type: "number" },
        format: {
          type: "object",
          required: ["mode"],
          properties: {
            mode: { enum: ["simple", "advanced"] },
            letters: { type: "boolean" },
            digits: { type: "boolean" },
            specialCharacters: { type: "boolean" },
            minLength: { type: "integer" },
            maxLength: { type: "integer" },
            pattern: { type: "string" },
            example: { type: "string" },
            errorMessage: { type: "string" },
          },
          additionalProperties: false,
        },
        dateRange: {
          type: "object",
          properties: {
            notBefore: { type: "string" },
            notAfter: { type: "string" },
            pastOnly: { type: "boolean" },
            futureOnly: { type: "boolean" },
          },
          additionalProperties: false,
        },
        choices: { type: "array", items: { type: "string" } },
        other: { type: "boolean" },
        linkedChoices: {
          type: "array",
          items: {
            type: "object",
            required: ["label", "secondary"],
            properties: { label: { type: "string" }, secondary: { type: "array", items: { type: "string" } } },
            additionalProperties: false,
          },
        },
        primaryLabel: { type: "string" },
        secondaryLabel: { type: "string" },
        maxFiles: { type: "integer" },
        maxBytes: { type: "integer" },
        acceptedKinds: { type: "array", items: { enum: ["pdf", "image", "office", "text", "archive"] } },
        referentielId: { type: "string" },
        prefill: { enum: ["given_name", "family_name", "birthdate", "gender", "email", "birthplace"] },
      },
      additionalProperties: false,
    },
    children: { type: "array", items: { $ref: "#/$defs/field" } },
  },
};

/** JSON Schema (2020-12) of the portable format. */
export const PORTABLE_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "/api/procedures/schema.json",
  title: "Guichet procedure",
  type: "object",
  required: ["format", "version", "procedure", "revision", "groups"],
  properties: {
    format: { const: PORTABLE_FORMAT },
    version: { const: PORTABLE_VERSION },
    procedure: {
      type: "object",
      required: ["title", "description", "organisation", "audience", "documents"],
      properties: {
        title: { type: "string", minLength: 3, maxLength: 200 },
        description: { type: "string" },
        organisation: { type: "string" },
        audience: { type: "string" },
        documents: { type: "string" },
        estimatedMinutes: { type: ["integer", "null"], minimum: 1, maximum: 600 },
        declarative: { enum: ["en_instruction", "accepte", null] },
        svaSvr: {
          type: ["object", "null"],
          required: ["decision", "period", "unit", "resume"],
          properties: {
            decision: { enum: ["sva", "svr"] },
            period: { type: "integer", minimum: 1, maximum: 365 },
            unit: { enum: ["day", "week", "month"] },
            resume: { enum: ["continue", "reset"] },
          },
        },
        notifications: {
          type: "object",
          properties: Object.fromEntries(
            ["depose", "en_instruction", "accepte", "refuse", "sans_suite", "message", "correction"].map((event) => [
              event,
              {
                type: "object",
                required: ["subject", "body"],
                properties: { subject: { type: "string" }, body: { type: "string" } },
                additionalProperties: false,
              },
            ]),
          ),
          additionalProperties: false,
        },
        attestation: {
          type: ["object", "null"],
          required: ["enabled", "title", "body", "signatory"],
          properties: {
            enabled: { type: "boolean" },
            title: { type: "string" },
            body: { type: "string" },
            signatory: { type: "string" },
          },
        },
      },
    },
    revision: {
      type: "object",
      required: ["fields", "annotations"],
      properties: {
        fields: { type: "array", items: { $ref: "#/$defs/field" } },
        annotations: { type: "array", items: { $ref: "#/$defs/field" } },
        ineligibility: {
          type: ["object", "null"],
          required: ["rule", "message"],
          properties: { rule: { $ref: "#/$defs/expression" }, message: { type: "string" } },
        },
      },
    },
    groups: {
      type: "array",
      items: {
        type: "object",
        required: ["label", "isDefault"],
        properties: {
          label: { type: "string" },
          isDefault: { type: "boolean" },
          closed: { type: "boolean" },
          routingRule: { oneOf: [{ $ref: "#/$defs/expression" }, { type: "null" }] },
        },
      },
    },
  },
  $defs: { field: fieldSchema, expression: expressionSchema },
} as const;
