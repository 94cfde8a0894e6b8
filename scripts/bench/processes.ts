/**
 * The processes a bench run starts (forked node scripts, nginx) and how it stops them: every one is
 * remembered here, and stopChildren ends them all before the bench exits. Script paths are relative
 * to scripts/bench/.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

import { freePort } from '../demo/embedded-postgres.ts';

const children: ChildProcess[] = [];

export function which(command: string): string | undefined {
  for (const candidate of [command, `/usr/sbin/${command}`, `/usr/bin/${command}`]) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch (error: unknown) {
      const code = (error as { code?: unknown }).code;
      // wrk -v exits 1 after printing its version: it exists.
      if (code !== 'ENOENT' && (error as { status?: unknown }).status !== undefined) return candidate;
    }
  }
  return undefined;
}

export interface Started {
  readonly port: number;
  /** The process(es) whose CPU time is charged to the target (nginx's workers are found under its pid). */
  readonly pids: readonly number[];
  /** The forked script, for asking it over IPC. */
  readonly child?: ChildProcess;
}

export function forkWithPort(
  script: string,
  args: readonly string[],
  execArgv: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Started> {
  const child = fork(new URL(script, import.meta.url), [...args], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: [...execArgv],
    env,
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (message) =>
      resolve({
        port: (message as { port: number }).port,
        pids: child.pid === undefined ? [] : [child.pid],
        child,
      }),
    );
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)}`)));
  });
}

/**
 * `count` copies of a script that takes its port as its last argument and binds it with SO_REUSEPORT:
 * the first picks a free port, the others join it.
 */
export async function forkReplicas(
  count: number,
  script: string,
  args: readonly string[],
  execArgv: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Started> {
  const first = await forkWithPort(script, [...args, '0'], execArgv, env);
  const others = await Promise.all(
    Array.from({ length: Math.max(0, count - 1) }, () =>
      forkWithPort(script, [...args, String(first.port)], execArgv, env),
    ),
  );
  return { port: first.port, pids: [...first.pids, ...others.flatMap((other) => other.pids)] };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * nginx as a reverse proxy with a keep-alive upstream pool, `workers` worker processes; with
 * `accessLog` it writes one line per request (into /dev/null) as strangler does at LOG_LEVEL=info.
 */
export async function startNginx(
  nginx: string,
  upstreamPort: number,
  dir: string,
  options: { readonly workers: number; readonly accessLog: boolean },
): Promise<Started> {
  const { workers, accessLog } = options;
  const port = await freePort();
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  ${accessLog ? `log_format line '$remote_addr $request_id "$request" $status $request_time';\n  access_log /dev/null line;` : 'access_log off;'}
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream legacy {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://legacy;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const child = spawn(nginx, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitForPort(port, 5000);
  return { port, pids: child.pid === undefined ? [] : [child.pid] };
}

export async function stopChildren(): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          // Forked node children leave on disconnect (so a profile gets written); nginx on SIGQUIT.
          if (child.connected) child.disconnect();
          else child.kill('SIGQUIT');
        }),
    ),
  );
}
