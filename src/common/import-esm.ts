/**
 * A real dynamic `import()`, which CommonJS transpilers (tsc, swc) would otherwise turn into `require()`: needed for
 * ESM-only packages with top-level await, such as node-llama-cpp.
 */
export const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
