// Types of scripts/build-xxh64.mjs for the TypeScript test that imports it.

/** The bytes src/core/xxh64.wat compiles to. */
export function compileXxh64(): Promise<Buffer>;
