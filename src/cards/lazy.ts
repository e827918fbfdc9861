// Load the user-file reader only when a user file is named. In the bundle it is a separate
// CommonJS file beside the CLI, compiled with the V8 code cache the build stores beside it
// (dist/user-files.cjs.cache); from source (tests, library users of src/) a plain import.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { constants, Script } from 'node:vm';
import Module from 'node:module';
import { fileURLToPath } from 'node:url';

type UserFiles = typeof import('./user-files.js');

declare const __MOE_CALC_BUNDLE__: boolean | undefined;

let loaded: UserFiles | undefined;
export async function userFiles(): Promise<UserFiles> {
  if (loaded) return loaded;
  if (typeof __MOE_CALC_BUNDLE__ !== 'undefined') {
    // the CLI bundle is CommonJS (__dirname); the library bundle is ESM (import.meta.url)
    const here = typeof __dirname !== 'undefined' ? __dirname : dirname(fileURLToPath(import.meta.url));
    loaded = requireWithCodeCache(join(here, 'user-files.cjs')) as UserFiles;
    return loaded;
  }
  // a non-literal specifier keeps the bundler from inlining the reader into the CLI
  const specifier = './user-files.js';
  loaded = (await import(specifier)) as UserFiles;
  return loaded;
}

/** require() a CommonJS bundle, using (and, when the build asks, writing) its V8 code cache. */
export function requireWithCodeCache(file: string): unknown {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // no cache: compile normally
  }
  // the hub libraries import() modules of their own at run time: resolve those as the main context does
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (process.env.MOE_CALC_WRITE_CODE_CACHE)
    process.on('exit', () => writeFileSync(`${file}.cache`, script.createCachedData()));
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void)(
    mod.exports,
    Module.createRequire(file),
    mod,
    file,
    dirname(file),
  );
  return mod.exports;
}
