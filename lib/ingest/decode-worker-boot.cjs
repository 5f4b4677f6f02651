// Entry of a decode worker thread (lib/ingest/decode-pool.ts). Workers start
// without the parent's loader hooks when none were given on the command line
// (vitest, plain node), so the TypeScript hook is registered here.
require('tsx/cjs/api').register();
require('./decode-worker.ts');
