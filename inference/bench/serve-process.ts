import { serveCommand } from '../../cli/serve-command.ts';

// The bench and the process tests run the service the way `movie-reco serve` does, before the
// command is wired into cli/main.ts.
try {
  process.exitCode = await serveCommand(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`movie-reco serve: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
