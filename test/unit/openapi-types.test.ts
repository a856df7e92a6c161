import { readFileSync } from 'node:fs';
import { OPENAPI } from '../../src/routes/api/openapi.js';
// @ts-expect-error a plain JavaScript script without types
import { generateTypes, TYPES_FILE } from '../../scripts/openapi-types.js';

describe('the generated API types', () => {
  it('are what `npm run openapi:types` would write from the document today', async () => {
    const fresh = (await generateTypes(JSON.parse(JSON.stringify(OPENAPI)))) as string;
    const committed = readFileSync(TYPES_FILE as string, 'utf8');
    if (committed !== fresh) throw new Error(`${TYPES_FILE as string} is stale: run \`npm run openapi:types\` and commit it`);
    expect(committed).toContain('operations["listSessions"]');
  });
});
