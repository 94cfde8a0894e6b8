/**
 * `.dockerignore` as BuildKit reads it: patterns in Go's filepath.Match syntax plus `**` for any number
 * of directories, a pattern also excludes everything under a directory it matches, `!` re-includes, and
 * the last pattern that matches a path decides.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 */

interface Rule {
  readonly negated: boolean;
  readonly pattern: RegExp;
}

function toRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches no directory too; a trailing `**` matches everything below.
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export class DockerIgnore {
  private readonly rules: readonly Rule[];

  constructor(text: string) {
    this.rules = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const negated = line.startsWith('!');
        const glob = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
        return { negated, pattern: toRegExp(glob) };
      });
  }

  /** Whether `relative` (a path inside the build context, `/`-separated) is left out of the context. */
  excludes(relative: string): boolean {
    const parts = relative.split('/');
    const selfAndParents = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of this.rules) {
      if (selfAndParents.some((p) => rule.pattern.test(p))) excluded = !rule.negated;
    }
    return excluded;
  }
}
