import { run } from './cli.js';
import { processIo } from './io.js';

// Exit code through process.exitCode: stdout is flushed and clients close before exit.
process.exitCode = await run(process.argv.slice(2), processIo());
