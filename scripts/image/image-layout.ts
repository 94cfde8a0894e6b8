/**
 * The production image's files, rebuilt without a Docker engine: the Dockerfile's COPY lines applied to
 * this checkout (through .dockerignore), and a node_modules holding what `npm ci` with the Dockerfile's
 * `--omit` values installs, taken from package-lock.json and the checkout's own node_modules.
 */
import { copyFile, link, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import { readImagePlan, type ImageCopy, type ImagePlan } from './dockerfile.ts';
import { DockerIgnore } from './dockerignore.ts';

export interface LayoutOptions {
  readonly repoRoot: string;
  /** An empty directory standing for the image's WORKDIR. */
  readonly target: string;
  /**
   * Hard links instead of copies: fast, but a link shares its file's owner and mode, so only use it
   * where the checkout's files are not writable by whoever runs the layout (root's files, run as the
   * image's uid).
   */
  readonly hardLink: boolean;
}

interface LockedPackage {
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly devOptional?: boolean;
}

export async function buildImageLayout(options: LayoutOptions): Promise<ImagePlan> {
  const plan = readImagePlan(await readFile(path.join(options.repoRoot, 'Dockerfile'), 'utf8'));
  const ignore = new DockerIgnore(await readFile(path.join(options.repoRoot, '.dockerignore'), 'utf8'));
  const place = options.hardLink ? linkOrCopy : copyFile;
  for (const copy of plan.copies) {
    const destination = inLayout(plan, options.target, copy.destination);
    if (copy.fromStage === undefined)
      await copyFromContext(options.repoRoot, copy, destination, ignore, place);
    else await installProductionModules(options.repoRoot, plan, copy, destination, place);
  }
  return plan;
}

function inLayout(plan: ImagePlan, target: string, imagePath: string): string {
  const relative = path.posix.relative(plan.workdir, imagePath);
  if (relative.startsWith('..')) throw new Error(`COPY to ${imagePath}, outside WORKDIR ${plan.workdir}`);
  return path.join(target, relative) + (imagePath.endsWith('/') ? '/' : '');
}

type Place = (from: string, to: string) => Promise<void>;

/** A hard link, or a copy where the temporary directory is on another filesystem (a tmpfs /tmp). */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error: unknown) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EXDEV')) throw error;
    await copyFile(from, to);
  }
}

async function copyFromContext(
  repoRoot: string,
  copy: ImageCopy,
  destination: string,
  ignore: DockerIgnore,
  place: Place,
): Promise<void> {
  for (const source of copy.sources) {
    if (ignore.excludes(source)) throw new Error(`COPY ${source}: left out by .dockerignore`);
    const from = path.join(repoRoot, source);
    if ((await stat(from)).isDirectory()) {
      await copyTree(
        from,
        destination,
        (relative) => ignore.excludes(path.posix.join(source, relative)),
        place,
      );
    } else {
      const to = destination.endsWith('/') ? path.join(destination, path.basename(source)) : destination;
      await mkdir(path.dirname(to), { recursive: true });
      await place(from, to);
    }
  }
}

async function copyTree(from: string, to: string, skip: (relative: string) => boolean, place: Place) {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true, recursive: true })) {
    const absolute = path.join(entry.parentPath, entry.name);
    const relative = path.relative(from, absolute).split(path.sep).join('/');
    if (skip(relative)) continue;
    if (entry.isDirectory()) await mkdir(path.join(to, relative), { recursive: true });
    else if (entry.isFile()) {
      await mkdir(path.dirname(path.join(to, relative)), { recursive: true });
      await place(absolute, path.join(to, relative));
    }
  }
}

/** What `npm ci --omit=…` installs: the lock file's packages minus the omitted kinds, as installed here. */
async function installProductionModules(
  repoRoot: string,
  plan: ImagePlan,
  copy: ImageCopy,
  destination: string,
  place: Place,
): Promise<void> {
  if (copy.sources.length !== 1 || !copy.sources[0]?.endsWith('/node_modules')) {
    throw new Error(`COPY --from=${copy.fromStage}: only the dependency stage's node_modules is understood`);
  }
  const lock = JSON.parse(await readFile(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };
  const omit = new Set(plan.npmOmit);
  for (const [key, locked] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/')) continue;
    if (omit.has('dev') && locked.dev === true) continue;
    if (omit.has('optional') && (locked.optional === true || locked.devOptional === true)) continue;
    const from = path.join(repoRoot, key);
    // An optional package for another platform is in the lock file but not installed.
    if (!(await stat(from).catch(() => undefined))) continue;
    const to = path.join(destination, key.slice('node_modules/'.length));
    // Nested node_modules are packages of their own, with their own entry in the lock file.
    await copyTree(from, to, (relative) => relative.split('/').includes('node_modules'), place);
  }
}
