/**
 * What the project's Dockerfile builds, read from the Dockerfile itself so that the image layout rebuilt
 * without a Docker engine (image-layout.ts) cannot drift from it. Only the instructions the Dockerfile
 * uses are understood; anything else is refused, so a new instruction means teaching this reader.
 */

export interface ImageCopy {
  /** The build stage copied from; undefined: the build context. */
  readonly fromStage: string | undefined;
  /** Paths in the build context, or in the stage's filesystem. */
  readonly sources: readonly string[];
  /** Absolute path in the image. */
  readonly destination: string;
}

export interface ImagePlan {
  readonly workdir: string;
  readonly copies: readonly ImageCopy[];
  readonly env: Readonly<Record<string, string>>;
  /** USER as numbers: the image runs as this uid and gid. */
  readonly uid: number;
  readonly gid: number;
  readonly cmd: readonly string[];
  readonly exposedPorts: readonly number[];
  /** The `--omit` values of the dependency stage's `npm ci`. */
  readonly npmOmit: readonly string[];
}

interface Stage {
  readonly name: string | undefined;
  readonly lines: readonly [instruction: string, argument: string][];
}

function stagesOf(dockerfile: string): Stage[] {
  const stages: { name: string | undefined; lines: [string, string][] }[] = [];
  for (const raw of dockerfile.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.endsWith('\\')) throw new Error(`Dockerfile: line continuations are not understood: ${line}`);
    const [instruction = '', ...rest] = line.split(/\s+/);
    const argument = rest.join(' ');
    if (instruction === 'FROM') stages.push({ name: /\bAS\s+(\S+)$/i.exec(argument)?.[1], lines: [] });
    else if (instruction === 'ARG' && stages.length === 0) continue;
    else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`Dockerfile: ${instruction} before FROM`);
      stage.lines.push([instruction, argument]);
    }
  }
  return stages;
}

function npmOmit(stages: readonly Stage[]): string[] {
  const ci = stages
    .flatMap((s) => s.lines)
    .find(([instruction, argument]) => instruction === 'RUN' && /^npm ci\b/.test(argument));
  if (ci === undefined) throw new Error('Dockerfile: no stage runs `npm ci`');
  return [...ci[1].matchAll(/--omit=(\S+)/g)].map((m) => m[1] ?? '');
}

function copyOf(argument: string, workdir: string): ImageCopy {
  const words = argument.split(/\s+/);
  const fromStage = words[0]?.startsWith('--from=') ? words.shift()?.slice('--from='.length) : undefined;
  const destination = words.pop();
  if (destination === undefined || words.length === 0) throw new Error(`Dockerfile: COPY ${argument}`);
  const absolute = destination.startsWith('/') ? destination : `${workdir}/${destination}`;
  return { fromStage, sources: words, destination: absolute.replace(/\/\.\//g, '/') };
}

/** The final stage of the Dockerfile, as a plan for rebuilding its file layout. */
export function readImagePlan(dockerfile: string): ImagePlan {
  const stages = stagesOf(dockerfile);
  const final = stages.at(-1);
  if (final === undefined) throw new Error('Dockerfile: no FROM');
  let workdir = '/';
  const copies: ImageCopy[] = [];
  const env: Record<string, string> = {};
  let user: string | undefined;
  let cmd: string[] = [];
  const exposedPorts: number[] = [];
  for (const [instruction, argument] of final.lines) {
    if (instruction === 'WORKDIR') workdir = argument;
    else if (instruction === 'COPY') copies.push(copyOf(argument, workdir));
    else if (instruction === 'USER') user = argument;
    else if (instruction === 'CMD') cmd = JSON.parse(argument) as string[];
    else if (instruction === 'EXPOSE') exposedPorts.push(...argument.split(/\s+/).map(Number));
    else if (instruction === 'ENV') {
      const [name, ...value] = argument.split('=');
      env[name ?? ''] = value.join('=');
    } else throw new Error(`Dockerfile: ${instruction} in the final stage is not understood`);
  }
  const [uid, gid] = (user ?? '').split(':').map(Number);
  if (uid === undefined || gid === undefined || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error(`Dockerfile: USER must be numeric uid:gid (got "${user ?? ''}")`);
  }
  return { workdir, copies, env, uid, gid, cmd, exposedPorts, npmOmit: npmOmit(stages) };
}
