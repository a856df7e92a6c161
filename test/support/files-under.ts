import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir` whose name `keep` accepts, descending into the folders `enter` accepts (all by default). */
export function filesUnder(dir: string, keep: (name: string) => boolean, enter: (name: string) => boolean = () => true): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (enter(e.name) ? filesUnder(join(dir, e.name), keep, enter) : []) : keep(e.name) ? [join(dir, e.name)] : [],
  );
}
