/**
 * A throwaway consumer project with tenacious installed from its packed tarball, as a user gets
 * it from npm (S7). Nothing is fetched from the network: npm installs from its cache
 * (`--offline`), and a package the cache lacks is copied from this repository's node_modules
 * together with the packages it depends on.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function run(command: string, args: readonly string[], cwd: string): string {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${child.stderr}\n${child.stdout}`);
  }
  return child.stdout;
}

interface Manifest {
  version: string;
  dependencies?: Record<string, string>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** `npm run build` then `npm pack` in `root`; returns the tarball's path inside `outDir`. */
export function buildAndPack(root: string, outDir: string): string {
  run('npm', ['run', '--silent', 'build'], root);
  const name = run('npm', ['pack', '--silent', '--pack-destination', outDir], root)
    .trim()
    .split('\n')
    .pop()!;
  return path.join(outDir, name);
}

/** Copies `name` and, transitively, its dependencies from `fromModules` into `toModules`. */
function copyWithDependencies(name: string, fromModules: string, toModules: string): void {
  const target = path.join(toModules, name);
  if (existsSync(target)) return;
  const source = path.join(fromModules, name);
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true, dereference: true });
  for (const dep of Object.keys(manifest(source).dependencies ?? {})) {
    // A dependency nested in the package's own node_modules came along with the copy.
    if (!existsSync(path.join(target, 'node_modules', dep))) {
      copyWithDependencies(dep, fromModules, toModules);
    }
  }
}

/**
 * Creates an ES-module project in `dir` with the tarball installed as `tenacious` and `peers`
 * (names of packages in `root`'s node_modules) at the versions `root` has.
 */
export function installConsumer(
  root: string,
  dir: string,
  tarball: string,
  peers: readonly string[],
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const rootModules = path.join(root, 'node_modules');
  const specs = peers.map((p) => `${p}@${manifest(path.join(rootModules, p)).version}`);
  const npmArgs = ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'];
  const installed = spawnSync('npm', [...npmArgs, tarball, ...specs], { cwd: dir });
  if (installed.status === 0) return;
  // Not all of it in npm's cache: the tarball alone (its dependencies are cached more often),
  // then the peers copied.
  const alone = spawnSync('npm', [...npmArgs, tarball], { cwd: dir, encoding: 'utf8' });
  const modules = path.join(dir, 'node_modules');
  if (alone.status !== 0) {
    mkdirSync(path.join(modules, 'tenacious'), { recursive: true });
    run(
      'tar',
      ['-xzf', tarball, '-C', path.join(modules, 'tenacious'), '--strip-components=1'],
      dir,
    );
    for (const dep of Object.keys(manifest(path.join(modules, 'tenacious')).dependencies ?? {})) {
      copyWithDependencies(dep, rootModules, modules);
    }
  }
  for (const peer of peers) copyWithDependencies(peer, rootModules, modules);
}

/**
 * A module for `node --import`: records every file the process loads as an ES module and, at
 * exit, prints them as one JSON line (`{ files: [[path, bytes], ...] }`) on stderr.
 */
export const IMPORT_GRAPH_HOOK = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
import { statSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const files = [];
port1.on('message', (url) => files.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(
  'let port; export function initialize(data) { port = data.port; }' +
  'export async function load(url, context, next) {' +
  '  const result = await next(url, context);' +
  "  if (url.startsWith('file:')) port.postMessage(url);" +
  '  return result;' +
  '}'), { data: { port: port2 }, transferList: [port2] });
process.on('exit', () => {
  const rows = files.map((url) => { const p = new URL(url).pathname; return [p, statSync(p).size]; });
  process.stderr.write('@@graph@@' + JSON.stringify({ files: rows }) + '\\n');
});
`)}`;

/** The files (path relative to `dir`, bytes) that `import(specifier)` loads in `dir`. */
export function importGraph(dir: string, specifier: string): [string, number][] {
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      IMPORT_GRAPH_HOOK,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(specifier)});`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  const line = child.stderr.split('\n').find((l) => l.startsWith('@@graph@@'));
  if (child.status !== 0 || line === undefined) {
    throw new Error(`import(${specifier}) failed: ${child.stderr}`);
  }
  const { files } = JSON.parse(line.slice('@@graph@@'.length)) as { files: [string, number][] };
  return files.map(([file, bytes]) => [path.relative(dir, file), bytes]);
}
