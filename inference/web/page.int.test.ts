/**
 * The web page in Debian's chromium (playwright-core, never a downloaded browser), served by the
 * real service (startService) over a real history: ml-latest-small in SQLite, a search of three
 * trials and three training runs by the trainer's own code, two promotions and a rejection, the
 * rejected run as a shadow challenger. With MOVIE_RECO_SCREENSHOTS=1 the screenshots go to
 * docs/screenshots for the README; otherwise to a temporary folder.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { bestTrial } from '../../storage/search-trials.ts';
import { requireProgram } from '../../testenv/debian-packages.ts';
import type { Prediction, UserRecommendations } from '../api-shapes.ts';
import { figuresFromCounts, onlineCountsFromMetrics } from '../online-figures.ts';
import { startService, type RunningService } from '../service.ts';
import { createDemoHistory, demoServeConfig, type DemoHistory } from '../testing/demo-history.ts';
import { smallArtifact, servingModelOf } from '../testing/small-model.ts';
import { startTestApp, type TestApp } from '../testing/test-app.ts';
import { buildWebPage } from './build.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('the web page in chromium', () => {
  let dir: string;
  let shots: string;
  let history: DemoHistory;
  let service: RunningService;
  let browser: Browser;
  let url: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // Debian's chromium (npm run testenv -- install); never a browser downloaded by playwright.
    const executablePath = requireProgram('chromium', 'chromium');
    await buildWebPage();
    dir = await mkdtemp(join(tmpdir(), 'web-page-'));
    shots =
      process.env.MOVIE_RECO_SCREENSHOTS === '1' ? join(repoRoot, 'docs', 'screenshots') : join(dir, 'screenshots');
    await mkdir(shots, { recursive: true });
    history = await createDemoHistory(dir);
    service = await startService(
      demoServeConfig(history, { shadowChallenger: true }),
      createLogger({}, { write: () => {} }),
    );
    url = `http://127.0.0.1:${service.port}/`;
    browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await service?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(path = '', viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({
      viewport,
      deviceScaleFactor: 1,
      colorScheme: 'light',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(url + path);
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  }
  const errorsOf = (page: Page) => (page as Page & { errors?: string[] }).errors ?? [];

  const recommendations = (page: Page) =>
    page.getByRole('list', { name: 'Recommendations' }).locator(':scope > li .title').allTextContents();

  it('paints content on a first visit, with an empty cache and a new connection', async () => {
    // How soon: npm run bench:first-paint.
    const page = await open();
    // A function, not a string: a string predicate that has to poll is compiled by eval inside
    // the page, which the page's Content-Security-Policy (no 'unsafe-eval') refuses.
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
    await page.getByRole('list', { name: 'Recommendations' }).locator(':scope > li').nth(9).waitFor();
    expect(errorsOf(page)).toEqual([]);
  });

  it('lets a visitor rate three movies, by mouse and by keyboard, and the recommendations change', async () => {
    const page = await open();
    const list = page.getByRole('list', { name: 'Recommendations' });
    await list.locator(':scope > li').nth(9).waitFor();
    const before = await recommendations(page);
    expect(await page.getByText('cold start · most popular').isVisible()).toBe(true);

    const search = page.getByLabel('Search movies by title');
    const results = page.getByRole('list', { name: 'Search results' });
    const status = page.getByRole('status').filter({ hasText: /^From your/ });

    // By mouse: search, then click the stars.
    for (const [text, title, stars, rated] of [
      ['toy story', 'Toy Story (1995)', 5, 1],
      ['the matrix', 'Matrix, The (1999)', 4, 2],
    ] as const) {
      await search.fill(text);
      const group = results.getByRole('group', { name: `Your rating of ${title}` });
      await group.getByTitle(`${stars} stars`).click();
      await status.filter({ hasText: `From your ${rated} rating` }).waitFor();
    }
    expect(await page.getByText('cold start · most popular').isVisible()).toBe(false);

    // By keyboard only: type in the search box, Tab into the first result's stars, arrows to five.
    await search.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('godfather');
    await results.getByRole('group', { name: 'Your rating of Godfather, The (1972)' }).waitFor();
    expect(await results.locator(':scope > li .title').first().textContent()).toBe('Godfather, The (1972)');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.type')).toBe('radio');
    for (let k = 0; k < 4; k++) await page.keyboard.press('ArrowRight');
    await status.filter({ hasText: 'From your 3 ratings' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Your ratings (3)' }).isVisible()).toBe(true);
    const checked = page
      .getByRole('list', { name: 'Your ratings' })
      .getByRole('group', { name: 'Your rating of Godfather, The (1972)' })
      .locator('input:checked');
    expect(await checked.getAttribute('value')).toBe('5');

    const after = await recommendations(page);
    expect(after).toHaveLength(10);
    expect(after).not.toEqual(before);
    for (const title of ['Toy Story (1995)', 'Matrix, The (1999)', 'Godfather, The (1972)'])
      expect(after).not.toContain(title);
    const predicted = await list.locator('.predicted').allTextContents();
    for (const text of predicted) expect(Number(text.match(/\d\.\d/)?.[0])).toBeGreaterThan(0);

    // Similar movies of the first recommendation; focus moves to the answer.
    const first = after[0]!;
    await list.getByRole('button', { name: `Movies similar to ${first}` }).click();
    await page
      .getByRole('list', { name: `Similar to ${first}` })
      .locator(':scope > li')
      .nth(9)
      .waitFor();
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe(`Similar to ${first}`);

    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(shots, 'recommend.png'), fullPage: true });
    expect(errorsOf(page)).toEqual([]);
  });

  it('shows a known user’s recommendations, and the popularity ranking for an unknown one', async () => {
    const page = await open();
    await page.getByRole('radio', { name: 'A known user' }).check();
    const userId = page.getByLabel('User id');
    const status = page.getByRole('status').filter({ hasText: /^(For user|User)/ });
    await userId.fill('1');
    await userId.press('Enter');
    await status.filter({ hasText: 'For user 1.' }).waitFor();
    expect(await recommendations(page)).toHaveLength(10);
    expect(await page.getByText('cold start · most popular').isVisible()).toBe(false);
    await userId.fill('999999');
    await page.getByRole('button', { name: 'Show recommendations' }).click();
    await status.filter({ hasText: 'User 999999 is unknown to the model' }).waitFor();
    expect(await page.getByText('cold start · most popular').isVisible()).toBe(true);
    expect(errorsOf(page)).toEqual([]);
  });

  it('charts the ratings and the cold-start share on the Data page', async () => {
    const page = await open('#data');
    await page.getByText('100,836').first().waitFor();
    const figures = page.locator('figure.chart');
    await figures.nth(3).locator('svg').waitFor();
    expect(await figures.count()).toBe(4);
    for (let k = 0; k < 4; k++) expect(await figures.nth(k).locator('svg path, svg rect').count()).toBeGreaterThan(0);
    expect(await page.getByText('98.30%').isVisible()).toBe(true);
    expect(await page.getByText(/top 10% of movies hold \d+% of all ratings/).isVisible()).toBe(true);
    // The page's own requests so far include visitor lists, the first of each page a cold start.
    const visitors = page.getByRole('row', { name: /recommendations, visitors/ });
    expect(await visitors.textContent()).toMatch(/\d+ of \d+/);

    await page.screenshot({ path: join(shots, 'data.png'), fullPage: true });
    expect(errorsOf(page)).toEqual([]);
  });

  it('shows the champion, live figures, runs, the search, curves and gate decisions on the Models page', async () => {
    // Live traffic (after the Data page counted the ratings): user 1 gets a list, then rates its first
    // movie and one further down. Each rating is a label for both live models; the champion's
    // predictions, asked just before each rating, give its online RMSE independently of the counters.
    const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
      const response = await fetch(url + path, init);
      expect(response.ok, `${path}: ${response.status}`).toBe(true);
      return (await response.json()) as T;
    };
    const { recommendations } = await json<UserRecommendations>('v1/recommendations?userId=1&n=20');
    let squaredErrors = 0;
    for (const [movieId, rating] of [
      [recommendations[0]!.movieId, 5],
      [recommendations[15]!.movieId, 1],
    ] as const) {
      const { predictedRating } = await json<Prediction>(`v1/predict?userId=1&movieId=${movieId}`);
      squaredErrors += (predictedRating - rating) ** 2;
      await json('v1/ratings', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 1, movieId, rating }),
      });
    }
    const metrics = await (await fetch(`${url}metrics`)).text();
    const online = (role: 'champion' | 'challenger') => figuresFromCounts(onlineCountsFromMetrics(metrics, role));

    const page = await open();
    await page.getByRole('link', { name: 'Models' }).click();
    const champion = history.champion.runId;
    await page.getByRole('heading', { name: `Champion: ${champion}` }).waitFor();

    // Online figures beside offline ones, for the champion and the shadow challenger.
    const live = page.getByRole('table', { name: 'Live models' });
    const liveRow = async (run: string) =>
      live.getByRole('row').filter({ hasText: run }).locator('td').allTextContents();
    const [testRmse, , labels, onlineRmse, hitRate] = await liveRow(champion);
    expect([testRmse, labels, onlineRmse]).toEqual([
      history.champion.metrics.rmse.toFixed(4),
      '2',
      online('champion').rmse!.toFixed(4),
    ]);
    expect(Number(onlineRmse)).toBeCloseTo(Math.sqrt(squaredErrors / 2), 2);
    expect(hitRate).toBe(`${(online('champion').hitRate! * 100).toFixed(1)}% of 2`);
    // The challenger (an earlier snapshot) may not know a movie the champion recommended: no label for it.
    const challengerFigures = online('challenger');
    expect(challengerFigures.labels).toBeGreaterThan(0);
    const challenger = await liveRow(history.rejected.run.runId);
    expect([challenger[0], challenger[2], challenger[3]]).toEqual([
      history.rejected.run.metrics.rmse.toFixed(4),
      String(challengerFigures.labels),
      challengerFigures.rmse!.toFixed(4),
    ]);
    expect(await page.getByText('The challenger answers every request in shadow').isVisible()).toBe(true);

    // The search's trials as the trainer reported them: values tried, how each ended, the best marked.
    const { searchRunId, spec, trials } = history.search;
    const trialRows = page.getByRole('table', { name: `Search ${searchRunId}` }).locator('tbody tr');
    expect(await trialRows.count()).toBe(trials.length);
    const best = bestTrial(trials, spec.objective.direction)!;
    expect(trials.map((trial) => trial.state)).toContain('Stopped');
    for (const trial of trials) {
      const cells = await trialRows.nth(trial.index).locator('th, td').allTextContents();
      expect(cells.slice(0, 4)).toEqual([
        `trial ${trial.index}${trial.index === best.index ? 'best' : ''}`,
        trial.state === 'Stopped' ? `stopped early after epoch ${trial.stoppedAtEpoch}` : 'completed',
        String(trial.parameters.learningRate),
        trial.value!.toFixed(4),
      ]);
    }
    expect(await page.getByText(`best: trial ${best.index}`).isVisible()).toBe(true);

    const table = page.locator('table.runs');
    expect(await table.locator('tbody tr').count()).toBe(3);
    expect(await table.locator('tbody tr', { hasText: 'champion' }).locator('th').textContent()).toContain(champion);
    // Sorting by RMSE puts the champion (the best run here) first, and says so to assistive technology.
    await table.getByRole('button', { name: 'RMSE' }).click();
    expect(await table.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('ascending');
    expect(await table.locator('tbody tr').first().locator('th').textContent()).toContain(champion);
    // One curve per ticked run: validation and training lines for each of the three.
    const curves = page.locator('figure.chart svg path.line');
    await curves.nth(5).waitFor();
    expect(await curves.count()).toBe(6);
    // Every decision of the gates, newest first: the champion's promotion, the rejection, the first promotion.
    const decisions = page.getByRole('region', { name: 'Gate decisions' }).locator('tbody tr');
    expect(await decisions.count()).toBe(3);
    const cells = (row: number) => decisions.nth(row).locator('th, td').allTextContents();
    expect((await cells(0)).slice(1, 4)).toEqual([champion, 'Promoted', `replaced ${history.runs[0]!.runId}`]);
    expect((await cells(0))[5]).toContain(`beats champion ${history.runs[0]!.runId}`);
    expect(await cells(1)).toEqual([
      expect.any(String),
      history.rejected.run.runId,
      'Rejected',
      `kept ${history.runs[0]!.runId}`,
      expect.stringMatching(/^ndcgAt10 0\.\d{4} \(champion 0\.\d{4}\)$/),
      history.rejected.reason,
    ]);
    expect(history.rejected.reason).toMatch(/minImprovement|not better/);
    expect((await cells(2)).slice(1, 4)).toEqual([history.runs[0]!.runId, 'Promoted', '–']);
    expect(await page.getByText('(2 promoted, 1 rejected)', { exact: false }).isVisible()).toBe(true);
    // Opening a run shows its full parameters.
    await table.getByRole('button', { name: history.runs[1]!.runId }).click();
    expect(await page.getByRole('heading', { name: `Run ${history.runs[1]!.runId}` }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Close' }).click();

    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(shots, 'models.png'), fullPage: true });
    expect(errorsOf(page)).toEqual([]);
  });

  it('fits a phone’s width on every view', async () => {
    for (const view of ['recommend', 'models', 'data']) {
      const page = await open(`#${view}`, { width: 390, height: 844 });
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow, view).toBeLessThanOrEqual(0);
      if (view === 'recommend') await page.screenshot({ path: join(shots, 'recommend-phone.png'), fullPage: false });
    }
  });

  describe('served without a database', () => {
    let bare: TestApp;
    beforeAll(async () => {
      bare = await startTestApp({ a: servingModelOf(await smallArtifact('run-a')) }, 'a');
    });
    afterAll(() => bare?.close());

    it('still recommends, and says what is missing instead of failing', async () => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${bare.url}/`);
      await page.getByRole('list', { name: 'Recommendations' }).locator(':scope > li').nth(9).waitFor();
      await page.getByLabel('Search movies by title').fill('toy');
      await page.getByText(/Title search needs the movie catalogue/).waitFor();
      await page.getByRole('link', { name: 'Models' }).click();
      await page.getByText('No database.').waitFor();
      expect(await page.getByText(/MOVIE_RECO_DATABASE_URL/).isVisible()).toBe(true);
      await page.getByRole('link', { name: 'Data' }).click();
      await page.getByText('No database.').waitFor();
      expect(await page.getByRole('row', { name: /recommendations, visitors/ }).textContent()).toMatch(/1 of 1/);
    });
  });
});
