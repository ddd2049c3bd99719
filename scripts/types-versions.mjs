#!/usr/bin/env node
// Writes package.json#typesVersions from package.json#exports, so that TypeScript's node10
// module resolution (a classic `"module": "commonjs"` tsconfig, as NestJS generates) finds the
// types of every subpath (`tenacious/http`): node10 ignores `exports`. Each subpath maps to its
// CommonJS types, as node10 resolves for `require`. test/package.test.ts fails when the two
// disagree. `npm run sync:types-versions`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package.json', import.meta.url);
const text = readFileSync(path, 'utf8');
const pkg = JSON.parse(text);

const typesVersions = {
  '*': Object.fromEntries(
    Object.entries(pkg.exports)
      .filter(([key]) => key !== '.' && key !== './package.json')
      .map(([key, target]) => [key.slice(2), [target.require.types]]),
  ),
};

// Keep the key where it is, or put it after `types` the first time.
const entries = Object.entries(pkg);
const next = Object.fromEntries(
  'typesVersions' in pkg
    ? entries.map(([k, v]) => [k, k === 'typesVersions' ? typesVersions : v])
    : entries.flatMap(([k, v]) =>
        k === 'types'
          ? [
              [k, v],
              ['typesVersions', typesVersions],
            ]
          : [[k, v]],
      ),
);
const out = `${JSON.stringify(next, null, 2)}\n`;
if (out !== text) {
  writeFileSync(path, out);
  console.log('package.json: typesVersions updated from exports');
}
