#!/usr/bin/env node
// The TypeScript sources run directly on Node 24's type stripping: no build step to forget.
import { main } from '../cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
