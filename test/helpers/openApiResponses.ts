import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';

const require = createRequire(import.meta.url);

interface GitHubSpec {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string }> }>>;
  components: { headers: Record<string, { schema: object }> };
}

/** GitHub's OpenAPI description from @octokit/openapi, and a validator that knows it as `github`. */
function gitHubSpec() {
  const specPath = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as GitHubSpec;
  const ajv = new Ajv({ strict: false, validateSchema: false, validateFormats: false, allErrors: true });
  allowNullInNullableEnums(spec);
  ajv.addSchema({ ...spec, $id: 'github' });
  return { spec, ajv };
}

/**
 * Checks a response body against the schema GitHub publishes for that route and status in
 * @octokit/openapi, so the stand-in cannot drift from the real API.
 */
export function openApiResponseChecker() {
  const { spec, ajv } = gitHubSpec();

  return (method: string, route: string, status: number, body: unknown): string[] => {
    const operation = spec.paths[route]?.[method.toLowerCase()];
    if (!operation) return [`GitHub's API has no ${method} ${route}`];
    const response = operation.responses[String(status)];
    if (!response) return [`GitHub's API never answers ${method} ${route} with ${status}`];
    const pointer = response.$ref
      ? `${response.$ref.slice(1)}/content/application~1json/schema`
      : `/paths/${jsonPointerSegment(route)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
    if (status === 204) return body === undefined ? [] : ['a 204 has a body'];
    const validate = ajv.getSchema(`github#${pointer}`) ?? ajv.compile({ $ref: `github#${pointer}` });
    return validate(body)
      ? []
      : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
  };
}

/**
 * Checks a rate-limited answer: its `x-ratelimit-limit`, `-remaining` and `-reset` against GitHub's
 * `x-rate-limit-*` header schemas, `-used` and `-resource` as GitHub's rate-limit documentation
 * describes them (the requests spent, `limit − remaining`; the quota's name), and its body, if a
 * refusal, as the `basic-error` GitHub's `forbidden` answers carry (no runner route lists a 403).
 */
export function rateLimitChecker() {
  const { spec, ajv } = gitHubSpec();
  const basicError = ajv.compile({ $ref: 'github#/components/schemas/basic-error' });
  return (headers: Record<string, string>, refusalBody?: unknown): string[] => {
    const problems = ['limit', 'remaining', 'reset'].flatMap((name) => {
      const schema = spec.components.headers[`x-rate-limit-${name}`]?.schema;
      if (!schema) return [`GitHub's API describes no x-rate-limit-${name}`];
      const value = headers[`x-ratelimit-${name}`];
      const number = Number(value);
      return value !== undefined && value !== '' && ajv.validate(schema, number)
        ? []
        : [`x-ratelimit-${name} ${JSON.stringify(value)} is no ${JSON.stringify(schema)}`];
    });
    const [limit, remaining, used] = ['limit', 'remaining', 'used'].map((name) =>
      Number(headers[`x-ratelimit-${name}`]),
    );
    if (used !== (limit ?? 0) - (remaining ?? 0))
      problems.push(`x-ratelimit-used ${used} is not limit − remaining`);
    if (headers['x-ratelimit-resource'] !== 'core') problems.push('x-ratelimit-resource is not "core"');
    if (refusalBody !== undefined && !basicError(refusalBody))
      problems.push(
        ...(basicError.errors ?? []).map((error) => `body${error.instancePath} ${error.message}`),
      );
    return problems;
  };
}

/** The stand-in's answers as `METHOD route` (those of a route it knows). */
export function routesServed(responses: readonly { method: string; route: string }[]): Set<string> {
  return new Set(responses.filter(({ route }) => route).map(({ method, route }) => `${method} ${route}`));
}

/**
 * Where the stand-in's answers depart from GitHub's OpenAPI description, each named by its route
 * and status: their bodies, and, with `rateLimits`, their rate-limit headers.
 */
export function departuresFromOpenApi(
  responses: readonly {
    method: string;
    route: string;
    status: number;
    body: unknown;
    headers: Record<string, string>;
  }[],
  { rateLimits = false } = {},
): string[] {
  const check = openApiResponseChecker();
  const checkRateLimit = rateLimitChecker();
  return responses
    .filter(({ route }) => route)
    .flatMap((response) =>
      [
        ...check(response.method, response.route, response.status, response.body),
        ...(rateLimits ? checkRateLimit(response.headers) : []),
      ].map((problem) => `${response.method} ${response.route} ${response.status}: ${problem}`),
    );
}

function jsonPointerSegment(route: string): string {
  return encodeURIComponent(route.replaceAll('~', '~0').replaceAll('/', '~1'));
}

/**
 * In OpenAPI 3.0, `nullable: true` admits null whatever else the schema says: beside an `enum` (a
 * queued job's `conclusion` is null) or without a `type` (an installation's `account` is an `anyOf`).
 * Ajv reads both strictly, so such schemas are rewritten to say so in JSON Schema.
 */
function allowNullInNullableEnums(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  for (const child of Object.values(node)) allowNullInNullableEnums(child);
  const schema = node as Record<string, unknown> & { nullable?: boolean; enum?: unknown[]; type?: unknown };
  if (!schema.nullable) return;
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
  if (schema.type !== undefined) return;
  const { nullable: _nullable, ...rest } = schema;
  for (const key of Object.keys(schema)) delete schema[key];
  schema.anyOf = [rest, { type: 'null' }];
}
