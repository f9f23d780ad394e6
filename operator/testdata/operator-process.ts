// `movie-reco operator` as a child process for tests that kill it (cli/main.ts may not list it yet).
import { operatorCommand } from '../../cli/operator-command.ts';

process.exitCode = await operatorCommand(process.argv.slice(2));
