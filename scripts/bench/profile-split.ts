/**
 * Where a proxy's CPU goes, from the profiles `BENCH_PROFILE=1 npm run bench` writes: each sample is
 * charged to the first frame, from the leaf up, that belongs to a known part (strangler's own modules,
 * undici, winston, prom-client); samples with none of those on their stack are node:http itself (or
 * the garbage collector, or the VM's own work). The socket writes are a part of their own: they are
 * the same calls in any proxy, and the profiler charges them the time the process waits to run again
 * on a busy machine. Prints the share of busy time per part, and the
 * heaviest functions by self time.
 * Usage: node scripts/bench/profile-split.ts <file.cpuprofile | directory> [top N functions, 25]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Parts in the order they are looked for in a frame's URL; the first that matches names the frame. */
const PARTS: readonly (readonly [string, RegExp])[] = [
  [
    'tracing (OpenTelemetry: spans, context, batching, OTLP encoding and export)',
    /@opentelemetry|\/src\/observability\/(tracing|otlp\/|pg-query-spans)/,
  ],
  [
    'forwarding (undici, the forwarder, response headers)',
    /undici|\/src\/proxy\/(undici-forwarder|legacy-forwarder|hpm-forwarder|legacy-response-handler|connection-wait-sweep|forward-headers|legacy-failure|stages\/serve-legacy)/,
  ],
  ['logging', /winston|logform|triple-beam|readable-stream|\/src\/observability\/(logger|request-line)/],
  [
    'metrics',
    /prom-client|\/src\/observability\/(metrics|buffered-histogram|count-buffer)|\/stages\/account/,
  ],
  ['flag decision', /\/flags\/|\/stages\/decide|stickiness/],
  ['routing (match, exchange)', /\/src\/routing\/|\/stages\/match|\/proxy\/exchange/],
  ['pipeline (public-server, other stages)', /\/src\/proxy\//],
];
const NODE = 'node:http and the rest of node itself';
const SOCKET_WRITES = 'socket writes (the system calls, whoever makes them)';
const SPECIAL: Readonly<Record<string, string>> = {
  '(garbage collector)': 'garbage collector',
  '(program)': 'V8 and native code outside JavaScript',
  writev: SOCKET_WRITES,
  writeLatin1String: SOCKET_WRITES,
  writeUtf8String: SOCKET_WRITES,
  writeBuffer: SOCKET_WRITES,
};

function partOf(stack: readonly CallFrame[]): string {
  const leaf = stack[0];
  if (leaf !== undefined && SPECIAL[leaf.functionName] !== undefined)
    return SPECIAL[leaf.functionName] ?? NODE;
  for (const frame of stack) {
    for (const [name, pattern] of PARTS) if (pattern.test(frame.url)) return name;
  }
  return NODE;
}

function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map((entry) => join(path, String(entry)))
    .filter((file) => file.endsWith('.cpuprofile'));
}

function split(files: readonly string[], top: number): void {
  const parts = new Map<string, number>();
  const self = new Map<string, number>();
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const stackOf = (id: number): CallFrame[] => {
      const stack: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const node = byId.get(at);
        if (node !== undefined) stack.push(node.callFrame);
      }
      return stack;
    };
    const stacks = new Map<number, CallFrame[]>();
    profile.samples.forEach((id, i) => {
      const leaf = byId.get(id)?.callFrame;
      if (leaf === undefined || leaf.functionName === '(idle)' || leaf.functionName === '(root)') return;
      const micros = profile.timeDeltas[i] ?? 0;
      let stack = stacks.get(id);
      if (stack === undefined) stacks.set(id, (stack = stackOf(id)));
      busy += micros;
      const part = partOf(stack);
      parts.set(part, (parts.get(part) ?? 0) + micros);
      const where = `${leaf.functionName || '(anonymous)'} ${leaf.url.replace(/^.*\/(node_modules|src|flags)\//, '$1/')}:${leaf.lineNumber + 1}`;
      self.set(where, (self.get(where) ?? 0) + micros);
    });
  }
  const percent = (micros: number): string => `${((100 * micros) / busy).toFixed(1).padStart(5)}%`;
  console.log(`${files.length} profile(s), ${(busy / 1e6).toFixed(2)} s busy`);
  for (const [name, micros] of [...parts].sort((a, b) => b[1] - a[1]))
    console.log(`${percent(micros)}  ${name}`);
  console.log(`\nheaviest functions (self time):`);
  for (const [name, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${percent(micros)}  ${name}`);
  }
}

const target = process.argv[2];
if (target === undefined) throw new Error('usage: profile-split.ts <file.cpuprofile | directory> [top]');
split(profilesIn(target), Number(process.argv[3] ?? 25));
