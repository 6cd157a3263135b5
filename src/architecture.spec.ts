import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A rule of ARCHITECTURE.md that code review would otherwise have to catch (the ban on cycles is ESLint's). */
const SRC = __dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The feature a file belongs to: its folder right under src/. */
function featureOf(path: string): string {
  return relative(SRC, path).split(sep)[0];
}

/** The relative modules a file imports for their values (`import type` brings no dependency at run time). */
function valueImports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/^import (?!type )[^;]*? from '(\.[^']*)';/gms)].map((match) => resolve(dirname(path), match[1]));
}

describe('architecture', () => {
  const files = sourceFiles(SRC);

  it('lets no module reach into another feature’s repository', () => {
    const reaching = files.flatMap((file) =>
      valueImports(file)
        .filter((target) => target.endsWith('.repository') && featureOf(target) !== featureOf(file))
        .map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`),
    );
    expect(reaching).toEqual([]);
  });
});
