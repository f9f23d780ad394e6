/**
 * Data: the ratings the models learn from (size, sparsity, values, the long tails of users and
 * movies, arrival over time and by batch) and how often this service answers from the
 * cold-start ranking.
 */
import { api, describeError, type CountFrequency, type RatingsInsight, type TrafficInsight } from './api.ts';
import { chart, type Bar } from './charts.ts';
import { compact, count, h, notice, percent, when } from './dom.ts';

export function dataView(main: HTMLElement): void {
  const tiles = h('div', { class: 'tiles' });
  const charts = h('div', { class: 'charts' }, h('p', { class: 'muted' }, 'Loading rating statistics…'));
  const traffic = h(
    'section',
    { 'aria-labelledby': 'cold-h' },
    h('h2', { id: 'cold-h' }, 'Cold-start answers'),
    h('p', { class: 'muted' }, 'Loading…'),
  );
  main.append(h('h1', {}, 'Data'), tiles, charts, traffic);
  api.ratings().then(
    (insight) => {
      tiles.replaceChildren(...summaryTiles(insight));
      charts.replaceChildren(...ratingCharts(insight));
    },
    (error) => {
      const { title, text } = describeError(error);
      charts.replaceChildren(
        notice(title, text, (error as { code?: string }).code === 'no_database' ? 'info' : 'error'),
      );
    },
  );
  api.traffic().then(
    (insight) => traffic.replaceChildren(...coldStart(insight)),
    (error) =>
      traffic.replaceChildren(
        h('h2', {}, 'Cold-start answers'),
        notice(describeError(error).title, describeError(error).text, 'error'),
      ),
  );
}

function tile(label: string, value: string, note?: string): HTMLElement {
  return h(
    'div',
    { class: 'tile' },
    h('span', { class: 'tile-label' }, label),
    h('span', { class: 'tile-value' }, value),
    note ? h('span', { class: 'muted' }, note) : null,
  );
}

function summaryTiles(d: RatingsInsight): HTMLElement[] {
  return [
    tile('Ratings', count(d.ratings)),
    tile('Users', count(d.users)),
    tile(
      'Movies rated',
      count(d.movies),
      d.catalogueMovies ? `of ${count(d.catalogueMovies)} in the catalogue` : undefined,
    ),
    tile('Sparsity', d.sparsity === null ? '–' : percent(d.sparsity, 2), 'of user × movie pairs unrated'),
    tile('Mean rating', d.meanRating === null ? '–' : d.meanRating.toFixed(2)),
  ];
}

/** Entities sorted by rating count, largest first, as (rank, count) steps for a log–log plot. */
function rankCurve(frequencies: CountFrequency[]): [number, number][] {
  const points: [number, number][] = [];
  let rank = 0;
  for (const { ratings, entities } of [...frequencies].sort((a, b) => b.ratings - a.ratings)) {
    points.push([rank + 1, ratings]);
    if (entities > 1) points.push([rank + entities, ratings]);
    rank += entities;
  }
  return points;
}

/** The median count, and the share of all ratings held by the top 10% of entities. */
function tailFacts(frequencies: CountFrequency[]): { median: number; top10Share: number; under5: number } {
  const total = frequencies.reduce((sum, f) => sum + f.entities, 0);
  const ratings = frequencies.reduce((sum, f) => sum + f.entities * f.ratings, 0);
  let seen = 0;
  let median = 0;
  for (const f of frequencies) {
    seen += f.entities;
    if (seen >= total / 2) {
      median = f.ratings;
      break;
    }
  }
  let top = Math.ceil(total / 10);
  let held = 0;
  for (const f of [...frequencies].sort((a, b) => b.ratings - a.ratings)) {
    const take = Math.min(top, f.entities);
    held += take * f.ratings;
    top -= take;
    if (top === 0) break;
  }
  const under5 = frequencies.filter((f) => f.ratings < 5).reduce((sum, f) => sum + f.entities, 0);
  return { median, top10Share: ratings ? held / ratings : 0, under5: total ? under5 / total : 0 };
}

const monthStart = (month: string): number => Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1);

function ratingCharts(d: RatingsInsight): HTMLElement[] {
  if (d.ratings === 0) return [notice('No ratings yet.', 'Load a dataset (movie-reco data load) or post ratings.')];
  const figures: HTMLElement[] = [];

  const values: Bar[] = d.values.map((v, k) => ({ x: k, value: v.count, label: String(v.rating) }));
  const commonest = [...d.values].sort((a, b) => b.count - a.count)[0]!;
  figures.push(
    chart({
      title: 'Rating values.',
      summary: `The commonest rating is ${commonest.rating} (${percent(commonest.count / d.ratings)} of all).`,
      x: { label: 'rating', ticks: values.map((b) => ({ value: b.x, label: b.label })) },
      y: { label: 'ratings' },
      bars: values,
      table: {
        head: ['rating', 'count', 'share'],
        rows: d.values.map((v) => [String(v.rating), v.count, percent(v.count / d.ratings)]),
      },
    }),
  );

  const users = tailFacts(d.perUser);
  const movies = tailFacts(d.perMovie);
  const binned = (frequencies: CountFrequency[]) => {
    const bins = new Map<number, number>();
    for (const f of frequencies) {
      const bin = 2 ** Math.floor(Math.log2(f.ratings));
      bins.set(bin, (bins.get(bin) ?? 0) + f.entities);
    }
    return bins;
  };
  const userBins = binned(d.perUser);
  const movieBins = binned(d.perMovie);
  const binStarts = [...new Set([...userBins.keys(), ...movieBins.keys()])].sort((a, b) => a - b);
  figures.push(
    chart({
      title: 'The long tail.',
      summary:
        'Users and movies ranked by how many ratings they have, both axes logarithmic. ' +
        `The median user has ${count(users.median)} ratings and the median movie ${count(movies.median)}; ` +
        `the top 10% of movies hold ${percent(movies.top10Share, 0)} of all ratings, ` +
        `and ${percent(movies.under5, 0)} of rated movies have fewer than 5.`,
      x: { label: 'rank (log scale)', log: true },
      y: { label: 'ratings (log scale)', log: true },
      lines: [
        { name: `users (${count(d.users)})`, points: rankCurve(d.perUser), colour: 0 },
        { name: `movies (${count(d.movies)})`, points: rankCurve(d.perMovie), colour: 1 },
      ],
      table: {
        head: ['ratings each', 'users', 'movies'],
        rows: binStarts.map((start) => [
          start === 1 ? '1' : `${count(start)}–${count(start * 2 - 1)}`,
          userBins.get(start) ?? 0,
          movieBins.get(start) ?? 0,
        ]),
      },
    }),
  );

  // Every month from the first to the last, zero where nothing was rated.
  const byMonth = new Map(d.perMonth.map((m) => [m.month, m.count]));
  const months: [number, number][] = [];
  const first = d.perMonth[0]!.month;
  const last = d.perMonth.at(-1)!.month;
  for (
    let t = monthStart(first);
    t <= monthStart(last);
    t = Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + 1, 1)
  ) {
    months.push([t, byMonth.get(new Date(t).toISOString().slice(0, 7)) ?? 0]);
  }
  const firstYear = Number(first.slice(0, 4));
  const lastYear = Number(last.slice(0, 4)) + 1;
  const yearStep = Math.max(1, Math.ceil((lastYear - firstYear) / 8));
  const yearTicks = [];
  for (let year = firstYear; year <= lastYear; year += yearStep)
    yearTicks.push({ value: Date.UTC(year, 0, 1), label: String(year) });
  const busiest = [...d.perMonth].sort((a, b) => b.count - a.count)[0]!;
  figures.push(
    chart({
      title: 'Ratings over time.',
      summary:
        `Per month of rating, ${first} to ${last}; the busiest month was ${busiest.month} ` +
        `(${count(busiest.count)}). Dashed lines: where each loaded batch starts.`,
      x: { label: 'month rated', ticks: yearTicks, min: monthStart(first), max: monthStart(last) },
      y: { label: 'ratings per month' },
      lines: [{ name: 'ratings', points: months, colour: 0, area: true }],
      markers: d.perBatch
        .filter((b) => b.batch !== null && b.batch > 1)
        .map((b) => ({ x: b.firstRatedAt * 1000, label: `batch ${b.batch}` })),
      table: { head: ['month', 'ratings'], rows: d.perMonth.map((m) => [m.month, m.count]) },
    }),
  );

  const batches: Bar[] = d.perBatch.map((b, k) => ({
    x: k,
    value: b.ratings,
    label: b.batch === null ? 'live' : String(b.batch),
    colour: b.batch === null ? 1 : 0,
  }));
  const live = d.perBatch.find((b) => b.batch === null);
  figures.push(
    chart({
      title: 'Ratings per batch.',
      summary:
        'Bulk loads split the data into time-ordered batches, as if it had arrived in deliveries' +
        `${live ? `; “live” counts the ${count(live.ratings)} ratings posted one by one` : ''}.`,
      x: { label: 'batch', ticks: batches.map((b) => ({ value: b.x, label: b.label })) },
      y: { label: 'ratings' },
      bars: batches,
      table: {
        head: ['batch', 'ratings', 'first rated', 'last rated'],
        rows: d.perBatch.map((b) => [
          b.batch === null ? 'live' : String(b.batch),
          b.ratings,
          when(new Date(b.firstRatedAt * 1000).toISOString()),
          when(new Date(b.lastRatedAt * 1000).toISOString()),
        ]),
      },
    }),
  );
  figures.push(h('p', { class: 'muted small' }, `Computed ${when(d.computedAt)}; recomputed at most once a minute.`));
  return figures;
}

function coldStart(t: TrafficInsight): HTMLElement[] {
  const row = (label: string, part: { coldStart: number; total: number }) => {
    const share = part.total ? part.coldStart / part.total : 0;
    const fill = h('span', {});
    fill.style.width = percent(share);
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, label),
      h('td', { class: 'num' }, `${compact(part.coldStart)} of ${compact(part.total)}`),
      h('td', { class: 'num' }, part.total ? percent(share) : '–'),
      h('td', { class: 'share-cell' }, h('span', { class: 'share', 'aria-hidden': 'true' }, fill)),
    );
  };
  const all = {
    coldStart: t.recommendations.user.coldStart + t.recommendations.visitor.coldStart,
    total: t.recommendations.user.total + t.recommendations.visitor.total,
  };
  return [
    h('h2', { id: 'cold-h' }, 'Cold-start answers'),
    h(
      'p',
      { class: 'muted' },
      `Since this service started (${when(t.countingSince)}): answers that came from the popularity ranking ` +
        'because nothing was known of the person. ' +
        'From this replica’s counters; /metrics has them for every replica.',
    ),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'cold' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Asked for'),
            h('th', { scope: 'col' }, 'Cold start'),
            h('th', { scope: 'col' }, 'Share'),
            h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Bar')),
          ),
        ),
        h(
          'tbody',
          {},
          row('recommendations, known users', t.recommendations.user),
          row('recommendations, visitors', t.recommendations.visitor),
          row('all recommendations', all),
          row('rating predictions', t.predictions),
        ),
      ),
    ),
  ];
}
