import { dataCommand, dataHelp } from './data-command.ts';
import { demoCommand, demoHelp } from './demo-command.ts';
import { evaluateCommand, evaluateHelp } from './evaluate-command.ts';
import { operatorCommand, operatorHelp } from './operator-command.ts';
import { serveCommand, serveHelp } from './serve-command.ts';
import { trainCommand, trainHelp } from './train-command.ts';
import { UsageError } from './usage-error.ts';

interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  demo: {
    summary: 'load MovieLens into an embedded database, train, evaluate, save the model',
    help: demoHelp,
    run: demoCommand,
  },
  train: {
    summary: 'the trainer Job: snapshot ratings, train, evaluate, write artifact and run record',
    help: trainHelp,
    run: trainCommand,
  },
  data: {
    summary: 'download MovieLens, load it into MySQL/SQLite in batches, generate synthetic ratings',
    help: dataHelp,
    run: dataCommand,
  },
  serve: {
    summary: 'the inference service: recommendations, predictions, ratings, metrics',
    help: serveHelp,
    run: serveCommand,
  },
  operator: {
    summary: 'reconcile TrainingRuns and ModelReleases (trainer Jobs, champion, inference rollout)',
    help: operatorHelp,
    run: operatorCommand,
  },
  evaluate: {
    summary: 'train on one ratings file, score on another, print the metrics',
    help: evaluateHelp,
    run: evaluateCommand,
  },
};

function overview(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`);
  return `movie-reco: a Kubernetes-native MovieLens recommender

Usage: movie-reco <command> [options]     movie-reco <command> --help

Commands:
${lines.join('\n')}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${overview()}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`movie-reco: unknown command ${JSON.stringify(name)}\n\n${overview()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`movie-reco ${name}: ${(error as Error).message}\n`);
    if (usage) {
      process.stderr.write(`\n${command.help}\n`);
      return 2;
    }
    return 1;
  }
}
