/**
 * The production image without a Docker engine: rebuilds the Dockerfile's file layout in a temporary
 * directory and runs its CMD there as the image would (scripts/image/run-image-layout.ts), with the
 * caller's settings. Stops the process on SIGTERM/SIGINT and removes the layout when it exits.
 */
import { cliOptions } from './cli-args.ts';
import { prepareImageLayout } from './image/run-image-layout.ts';

const USAGE = `usage: DATABASE_URL=postgres://… LEGACY_URL=http://… npm run image:layout [-- --sync-worker]
Rebuilds the image's files (Dockerfile, .dockerignore, production node_modules) in a temporary directory
and starts \`node src/main.ts\` there, as the image's uid when run as root, with NODE_ENV=production and
only DATA_DIR writable. --sync-worker starts \`node scripts/sync-worker.ts\` instead.`;
const options = cliOptions({ 'sync-worker': { type: 'boolean' } }, USAGE);

const layout = await prepareImageLayout();
console.error(`image layout in ${layout.appDir} (DATA_DIR ${layout.dataDir})`);
const command = options['sync-worker'] === true ? ['node', 'scripts/sync-worker.ts'] : undefined;
const child = layout.start(process.env, command);
child.stdout?.pipe(process.stdout);
child.stderr?.pipe(process.stderr);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
await layout.remove();
process.exit(code ?? 1);
