#!/usr/bin/env node
import { processIo } from './cli-io.js';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), processIo());
// A command may also have set process.exitCode itself (the demo does); keep the worse one.
const exitCode = code !== 0 ? code : Number(process.exitCode ?? 0);
// Exit once both streams are flushed: ioredis keeps a 2 s socket timer alive after a failed
// connect, and an operator's shell should not wait for it.
process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)));
