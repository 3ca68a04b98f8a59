/** `npm run dev`, and with --production `npm start`: the whole Billfold stack in one command. */
import { runStack } from './lib/orchestrator';
import { runCli } from './lib/stack';

runCli(() => runStack({ production: process.argv.includes('--production') }));
