import type { ESLint, Rule } from 'eslint';

export declare const SHARED_FOLDERS: ReadonlySet<string>;
export declare const COMPOSITION_FOLDERS: ReadonlySet<string>;
export declare function layerOf(srcRoot: string, file: string): string | undefined;
export declare function layerViolation(
  srcRoot: string,
  file: string,
  target: string,
): string | undefined;
export declare const layersRule: Rule.RuleModule;
declare const plugin: ESLint.Plugin;
export default plugin;
