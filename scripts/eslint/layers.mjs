/**
 * ESLint rule `tenacious/layers`: the import graph of `src/` follows its folders (ARCHITECTURE.md).
 *
 * - `src/core/` (the engine, its redaction and its breaker) imports nothing outside `src/core/`.
 * - A shared folder (`src/transport/`, `src/telemetry/`) imports the core and other shared folders.
 * - A domain folder (`src/http/`, `src/binance/`, …: one per subpath export) imports the core, the
 *   shared folders, its own files and another domain only through that domain's `index.ts`.
 * - The root entry (`src/index.ts`) and `src/presets/` compose: they may import any `index.ts`.
 */
import path from 'node:path';

/** Folders that two or more domains share: named for what they hold, not a subpath of their own. */
export const SHARED_FOLDERS = new Set(['transport', 'telemetry', 'venue-limits']);
/** Folders that compose domains for the root entry. */
export const COMPOSITION_FOLDERS = new Set(['presets']);

/** The layer of a file under `src/`: `core`, `shared:<name>`, `compose`, `domain:<name>` or undefined. */
export function layerOf(srcRoot, file) {
  const rel = path.relative(srcRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const [top, ...rest] = rel.split(path.sep);
  if (rest.length === 0) return 'compose'; // src/index.ts
  if (top === 'core') return 'core';
  if (SHARED_FOLDERS.has(top)) return `shared:${top}`;
  if (COMPOSITION_FOLDERS.has(top)) return 'compose';
  return `domain:${top}`;
}

/** Why importing `target` from `file` breaks the layering, or undefined when it is allowed. */
export function layerViolation(srcRoot, file, target) {
  const from = layerOf(srcRoot, file);
  const to = layerOf(srcRoot, target);
  if (from === undefined || to === undefined || from === to) return undefined;
  if (to === 'core') return undefined;
  const isIndex = path.basename(target).replace(/\.[cm]?[jt]s$/, '') === 'index';
  if (from === 'core')
    return `the core imports ${to.replace(':', ' ')} (${path.relative(srcRoot, target)}): the core never imports outside src/core/`;
  if (to === 'compose')
    return `${from.replace(':', ' ')} imports the composition layer (${path.relative(srcRoot, target)})`;
  if (from.startsWith('shared:')) {
    return to.startsWith('shared:')
      ? undefined
      : `shared folder ${from.slice(7)} imports ${to.replace(':', ' ')} (${path.relative(srcRoot, target)}): shared code depends on the core only`;
  }
  if (to.startsWith('shared:')) return undefined;
  // A domain (or the composition layer) reaching another domain: only through its index.ts.
  if (to.startsWith('domain:') && !isIndex) {
    return `${from.replace(':', ' ')} imports another domain's internals (${path.relative(srcRoot, target)}): import its index.ts, or move what both need to a shared folder`;
  }
  return undefined;
}

/** The rule; `srcRoot` is resolved from the linted file's project (the folder holding src/). */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Keeps the import graph of src/ layered: core, shared folders, domains.' },
    schema: [],
    messages: { layer: '{{why}}' },
  },
  create(context) {
    const file = context.filename;
    const marker = `${path.sep}src${path.sep}`;
    const at = file.lastIndexOf(marker);
    if (at === -1) return {};
    const srcRoot = file.slice(0, at + marker.length - 1);
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), spec);
      const why = layerViolation(srcRoot, file, target);
      if (why !== undefined)
        context.report({ node: node.source, messageId: 'layer', data: { why } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { layers: layersRule } };
