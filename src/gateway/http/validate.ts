// Request validation from the route schemas. Bodies are JSON and are checked
// as sent, never converted. Query strings arrive as text; a field is turned
// into the schema's type only when its text is exactly that type's plain
// form: "limit=10" is 10, but "1.5", "0x3", "1e1", "+5", " 5" and "true" are
// errors rather than numbers silently made of them.

import type { FastifySchemaCompiler } from "fastify";
import type { TSchema } from "typebox";
import { Compile } from "typebox/compile";

const INTEGER_TEXT = /^-?(0|[1-9][0-9]{0,15})$/;

interface PropertySchema {
  type?: unknown;
}

function strictField(schema: PropertySchema | undefined, v: unknown): unknown {
  if (typeof v !== "string" || schema === undefined) return v;
  if (schema.type === "integer") {
    const n = Number(v);
    return INTEGER_TEXT.test(v) && Number.isSafeInteger(n) ? n : v;
  }
  if (schema.type === "boolean") return v === "true" ? true : v === "false" ? false : v;
  return v;
}

/** The query with each field in its schema type where its text is that type's plain form. */
export function strictQuery(schema: TSchema, query: unknown): unknown {
  if (typeof query !== "object" || query === null) return query;
  const props = (schema as { properties?: Record<string, PropertySchema> }).properties ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    out[k] = Object.hasOwn(props, k) ? strictField(props[k], v) : v;
  }
  return out;
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const query = httpPart === "querystring";
  return (value: unknown) => {
    const v = query ? strictQuery(schema, value) : value;
    if (check.Check(v)) return { value: v };
    return { error: [...check.Errors(v)] as never };
  };
};
