import { describe, expect, it } from 'vitest';
import { trainCommand } from './train-command.ts';
import { UsageError } from './usage-error.ts';

const search = {
  objective: { metric: 'validationRmse', direction: 'minimize' },
  method: 'grid',
  parameters: { factors: { values: [8, 16] } },
  maxTrials: 2,
};
// Refused before any backend is opened: the paths need not exist.
const base = ['--database', 'sqlite:///nonexistent/db.sqlite', '--store', '/nonexistent', '--model', 'movielens'];

describe('movie-reco train --search', () => {
  it('refuses a search that is not JSON', async () => {
    await expect(trainCommand([...base, '--search', '{factors', '--trial', '0'])).rejects.toThrow(
      /--search must be JSON/,
    );
  });

  it('refuses JSON that is not a search', async () => {
    await expect(trainCommand([...base, '--search', '[1]', '--trial', '0'])).rejects.toThrow(
      /--search must be a TrainingRun spec.search/,
    );
  });

  it('needs the trial index, from --trial or JOB_COMPLETION_INDEX, inside the search', async () => {
    const json = JSON.stringify(search);
    await expect(trainCommand([...base, '--search', json])).rejects.toThrow(UsageError);
    await expect(trainCommand([...base, '--search', json, '--trial', '2'])).rejects.toThrow(
      /--trial: trial index 2 is outside the search's 2 trials/,
    );
    await expect(trainCommand([...base, '--search', json, '--trial', 'first'])).rejects.toThrow(
      /--trial must be an integer/,
    );
  });
});
