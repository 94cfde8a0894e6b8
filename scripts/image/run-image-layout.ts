/**
 * The image rebuilt as files (image-layout.ts) and started the way the container would start: the
 * Dockerfile's CMD (or another command, as a sync worker's Deployment gives one) in its WORKDIR, with
 * its ENV, as its numeric USER when we are root, and only DATA_DIR and TMPDIR writable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildImageLayout } from './image-layout.ts';
import type { ImagePlan } from './dockerfile.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ImageLayout {
  readonly plan: ImagePlan;
  /** The image's WORKDIR. */
  readonly appDir: string;
  /** Stands for the volume mounted at DATA_DIR (and /tmp). */
  readonly dataDir: string;
  /** Whether the process runs as the image's uid (only root can switch). */
  readonly asImageUser: boolean;
  start(env: NodeJS.ProcessEnv, command?: readonly string[]): ChildProcess;
  remove(): Promise<void>;
}

export async function prepareImageLayout(repoRoot = REPO_ROOT): Promise<ImageLayout> {
  const root = await mkdtemp(path.join(tmpdir(), 'strangler-image-'));
  await chmod(root, 0o755);
  const appDir = path.join(root, 'app');
  const dataDir = path.join(root, 'data');
  const asImageUser = process.getuid?.() === 0;
  const plan = await buildImageLayout({ repoRoot, target: appDir, hardLink: asImageUser });
  await mkdir(dataDir);
  if (asImageUser) await chown(dataDir, plan.uid, plan.gid);
  else await readOnly(appDir);
  return {
    plan,
    appDir,
    dataDir,
    asImageUser,
    start: (env, command = plan.cmd) => startIn(plan, appDir, dataDir, asImageUser, env, command),
    remove: async () => {
      if (!asImageUser) await chmodTree(appDir, 'u+w');
      await rm(root, { recursive: true, force: true });
    },
  };
}

function startIn(
  plan: ImagePlan,
  appDir: string,
  dataDir: string,
  asImageUser: boolean,
  env: NodeJS.ProcessEnv,
  command: readonly string[],
): ChildProcess {
  const [program, ...args] = command;
  if (program === undefined) throw new Error('no command to start');
  // The image's `node` is the base image's Node 24; here it is the one running us.
  const executable = program === 'node' ? process.execPath : program;
  return spawn(executable, args, {
    cwd: appDir,
    // Nothing of the caller's environment leaks in (NODE_PATH, NODE_OPTIONS…) but PATH.
    env: { PATH: process.env.PATH, ...plan.env, DATA_DIR: dataDir, TMPDIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asImageUser ? { uid: plan.uid, gid: plan.gid } : {}),
  });
}

async function readOnly(dir: string): Promise<void> {
  await chmodTree(dir, 'a-w');
}

async function chmodTree(dir: string, mode: string): Promise<void> {
  const child = spawn('chmod', ['-R', mode, dir], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`chmod -R ${mode} ${dir} exited with ${code}`);
}
