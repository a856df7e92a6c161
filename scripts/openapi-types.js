// Generates the TypeScript types of the JSON API (src/routes/api/openapi-types.ts) from the OpenAPI document with
// openapi-typescript. `npm run openapi:types` runs it on the built document; test/unit/openapi-types.test.ts fails
// when the committed file is not what it would write today.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

export const TYPES_FILE = 'src/routes/api/openapi-types.ts';

const HEADER =
  '// Generated from the OpenAPI document (src/routes/api/openapi.ts) by `npm run openapi:types`: do not edit.\n' +
  '// Use it with openapi-fetch: `createClient<paths>()` (see the README\'s "Calling the API from an app").\n\n';

/** The file's text for a document (a plain JSON object). */
export async function generateTypes(doc) {
  const ast = await openapiTS(doc, { alphabetize: true });
  return HEADER + astToString(ast);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { OPENAPI } = await import('../dist/routes/api/openapi.js');
  writeFileSync(TYPES_FILE, await generateTypes(JSON.parse(JSON.stringify(OPENAPI))));
  console.log(`wrote ${TYPES_FILE}`);
}
