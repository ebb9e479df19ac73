/**
 * `node --import ./test/helpers/record-modules.mjs ...`: registers a resolve hook that appends every
 * module URL the ESM loader resolves to the file named by RECORD_MODULES_FILE, one per line,
 * synchronously, so the file is complete by the time an `import()` settles. Used by
 * test/server/lazy-modules.test.ts to see which client libraries a process actually loads.
 */
import { register } from 'node:module';

const file = process.env.RECORD_MODULES_FILE;
if (!file) throw new Error('record-modules.mjs needs RECORD_MODULES_FILE');
register('./record-modules-hooks.mjs', import.meta.url, { data: { file } });
