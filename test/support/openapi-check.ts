import Ajv2020Module from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { OPENAPI } from '../../src/routes/api/openapi.js';
import type { Exchange } from './gateway.js';

type Json = Record<string, unknown>;

const DOC_ID = 'urn:gateway:openapi';
const doc = OPENAPI as unknown as {
  paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
  components: { responses: Record<string, Json>; schemas: Record<string, Json> };
};

/** Component refs point into the document; ajv sees the schemas as `$defs` of one registered schema. */
function retarget<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${DOC_ID}#/$defs/`)) as T;
}

function createAjv() {
  const ajv = new Ajv2020Module.default({ strict: true, allErrors: true });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s));
  ajv.addSchema({ $id: DOC_ID, $defs: retarget(doc.components.schemas) });
  return ajv;
}

const ajv = createAjv();
const compiled = new Map<string, ValidateFunction>();

function validator(key: string, schema: Json): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(retarget(schema));
    compiled.set(key, v);
  }
  return v;
}

/** The documented operation for a concrete path and method: [template, operation]. */
export function findOperation(path: string, method: string): [string, { responses: Record<string, Json> }] | undefined {
  for (const [template, ops] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const op = ops[method.toLowerCase()];
    if (re.test(path) && op) return [template, op];
  }
  return undefined;
}

function resolveResponse(r: Json): Json {
  const ref = r.$ref;
  if (typeof ref !== 'string') return r;
  return doc.components.responses[ref.replace('#/components/responses/', '')]!;
}

/**
 * Every real answer of the API in a test file's transcript checked against the document: the route and status must be
 * documented, and a JSON body must match the status's schema. Proxied answers are the backends' and are left out.
 */
export function openApiProblems(transcript: readonly Exchange[]): string[] {
  const problems: string[] = [];
  for (const x of transcript) {
    const path = x.url.split('?')[0]!;
    if (!path.startsWith('/api/') || path.startsWith('/api/proxy/')) continue;
    const where = `${x.method} ${path} → ${x.status}`;
    const found = findOperation(path, x.method);
    if (!found) {
      if (x.status !== 404) problems.push(`${where}: route not in the document`);
      continue;
    }
    const [template, op] = found;
    const documented = op.responses[String(x.status)] ?? op.responses.default;
    if (!documented) {
      problems.push(`${where}: status not documented for ${x.method} ${template}`);
      continue;
    }
    const response = resolveResponse(documented);
    const schema = (response.content as { 'application/json'?: { schema: Json } } | undefined)?.['application/json']?.schema;
    if (!schema) {
      if (x.body.length > 0 && op.responses.default !== documented) problems.push(`${where}: body sent where none is documented`);
      continue;
    }
    let body: unknown;
    try {
      body = JSON.parse(x.body);
    } catch {
      problems.push(`${where}: body is not JSON`);
      continue;
    }
    const validate = validator(`${x.method} ${template} ${x.status}`, schema);
    if (!validate(body)) problems.push(`${where}: ${ajv.errorsText(validate.errors)} in ${x.body.slice(0, 300)}`);
  }
  return problems;
}

/** Compiles every documented JSON response schema (ajv strict mode); returns how many there are. */
export function compileAllResponseSchemas(): number {
  let n = 0;
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, r] of Object.entries(op.responses)) {
        const schema = (resolveResponse(r).content as { 'application/json'?: { schema: Json } } | undefined)?.['application/json']?.schema;
        if (schema) {
          validator(`${method.toUpperCase()} ${template} ${status}`, schema);
          n++;
        }
      }
    }
  }
  return n;
}

/** For afterAll: fails with every mismatch between the file's API answers and the document. */
export function assertMatchesOpenApi(transcript: readonly Exchange[]): void {
  const problems = openApiProblems(transcript);
  if (problems.length > 0) throw new Error(`API answers that the OpenAPI document does not describe:\n${problems.join('\n')}`);
}
