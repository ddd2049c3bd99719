import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../tsup.config.js';

/**
 * Two copies of the built package in one process: the ES-module build (`import`) and the
 * CommonJS build (`require`), as an application whose dependencies mix both gets them. Built
 * with this repository's tsup config (without declarations) into an installed-looking
 * `.tmp/copies-<pid>/node_modules/tenacious/`, so `exports` resolves each subpath; the child
 * (fixtures/copies.mjs) reports what it saw.
 */
const ERROR_CLASSES = [
  'RetryExhaustedError',
  'UnknownOutcomeError',
  'AttemptTimeoutError',
  'CircuitOpenError',
  'ConfigError',
  'DexError',
  'DexConnectionError',
  'DexTimeoutError',
  'DexRejectionError',
  'DexInsufficientFundsError',
  'DexOrderNotFoundError',
  'AlertDeliveryError',
  'PermanentFailureError',
  'HoldTooLongError',
  'StoreClosedError',
  'HandshakeError',
  'ConnectTimeoutError',
  'SocketClosedError',
] as const;

interface Report {
  instanceOf: Record<string, Record<string, boolean>>;
  subclass: Record<string, Record<string, boolean>>;
  dexFamily: Record<string, boolean>;
  configError: Record<string, boolean>;
  holdTooLong: Record<string, boolean>;
  errorOnly: Record<string, string[]>;
  exhaustedIsEsmClass: boolean;
  hub: string[];
}

const dir = path.resolve('.tmp', `copies-${process.pid}`);
let report: Report;

beforeAll(async () => {
  const pkg = path.join(dir, 'node_modules', 'tenacious');
  mkdirSync(pkg, { recursive: true });
  copyFileSync('package.json', path.join(pkg, 'package.json'));
  await build({
    ...config,
    config: false,
    dts: false,
    silent: true,
    outDir: path.join(pkg, 'dist'),
  });
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
  copyFileSync(path.resolve('test/package/fixtures/copies.mjs'), path.join(dir, 'copies.mjs'));
  report = JSON.parse(
    execFileSync(process.execPath, ['copies.mjs'], { cwd: dir, encoding: 'utf8' }),
  ) as Report;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(ERROR_CLASSES)('%s across the ESM and CommonJS copies', (name) => {
  it('recognises an instance made by the other copy, both ways', () => {
    expect(report.instanceOf[name]).toEqual({
      esmOfCjs: true,
      cjsOfEsm: true,
      errorOfCjs: true,
      plainError: false,
    });
  });

  it("leaves a user's subclass ordinary: its instances are the base's, not the other way", () => {
    expect(report.subclass[name]).toEqual({
      ownOfOwn: true,
      esmBaseOfOwn: true,
      cjsBaseOfOwn: true,
      ownOfBase: false,
      ownOfCjsBase: false,
    });
  });
});

describe('built copies share their state', () => {
  it("recognises a DexTimeoutError as the other copy's DexError, and no sibling as another", () => {
    expect(report.dexFamily).toEqual({
      cjsTimeoutOfEsmDex: true,
      esmTimeoutOfCjsDex: true,
      dexOfTimeout: false,
      rejectionOfTimeout: false,
    });
  });

  it("recognises tenacious/config's ConfigError as the root's (each entry bundles its core)", () => {
    expect(report.configError).toEqual({ configOfRoot: true, rootOfConfig: true });
  });

  it("recognises tenacious/binance's HoldTooLongError as the root's, both ways", () => {
    expect(report.holdTooLong).toEqual({ binanceOfRoot: true, rootOfBinance: true });
  });

  it("skips a classifier marked error-only by another entry's copy on a returned value", () => {
    expect(report.errorOnly).toEqual({
      esmCcxtInEsmRoot: [],
      cjsCcxtInEsmRoot: [],
      esmCcxtInCjsRoot: [],
      unmarked: ['value'],
    });
  });

  it("delivers the CommonJS root's exhaustion to a listener of the ESM root, with its class", () => {
    expect(report.hub).toEqual(['cjs_run']);
    expect(report.exhaustedIsEsmClass).toBe(true);
  });
});
