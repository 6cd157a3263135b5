/**
 * A real dynamic `import()`, which CommonJS transpilers (tsc, swc) would otherwise turn into `require()`: needed for
 * ESM-only packages with top-level await, such as node-llama-cpp.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the only way to keep import() from being compiled into require()
export const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
