// Load the user-file reader only when a user file is named. In the bundle it is a separate
// CommonJS file beside the CLI; from source (tests, library users of src/) a plain import.
type UserFiles = typeof import('./user-files.js');

declare const __MOE_CALC_BUNDLE__: boolean | undefined;

let loaded: UserFiles | undefined;
export async function userFiles(): Promise<UserFiles> {
  if (loaded) return loaded;
  if (typeof __MOE_CALC_BUNDLE__ !== 'undefined') return (loaded = require('./user-files.cjs') as UserFiles);
  // a non-literal specifier keeps the bundler from inlining the reader into the CLI
  const specifier = './user-files.js';
  return (loaded = (await import(specifier)) as UserFiles);
}
