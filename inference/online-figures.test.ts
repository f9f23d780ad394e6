import { describe, expect, it } from 'vitest';
import {
  answerHealthFromMetrics,
  countLabels,
  figuresFromCounts,
  inServedTop,
  liveModelFigures,
  onlineCountsFromMetrics,
  type OnlineLabel,
} from './online-figures.ts';

const label = (predicted: number, rating: number, served: boolean, hit: boolean): OnlineLabel => ({
  role: 'champion',
  run: 'r',
  userId: 1,
  movieId: 2,
  predicted,
  rating,
  served,
  hit,
});

describe('online figures', () => {
  it('computes RMSE over every label and the hit rate over ratings of served users', () => {
    const labels = [label(4, 5, true, true), label(3, 1, true, false), label(2.5, 2.5, false, false)];
    const figures = figuresFromCounts(countLabels(labels));
    expect(figures.labels).toBe(3);
    expect(figures.rmse).toBeCloseTo(Math.sqrt((1 + 4 + 0) / 3), 12);
    expect(figures.servedRatings).toBe(2);
    expect(figures.hitRate).toBe(0.5);
  });

  it('has no figures before the first label, and no hit rate before a served user rates', () => {
    expect(figuresFromCounts(countLabels([]))).toMatchObject({ rmse: null, hitRate: null });
    expect(figuresFromCounts(countLabels([label(3, 4, false, false)]))).toMatchObject({ rmse: 1, hitRate: null });
  });

  it('finds a movie only among the first ten of a served body', () => {
    const ids = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
    const body = JSON.stringify({
      coldStart: false,
      userId: 99,
      model: { run: 'r', digest: 'd' },
      recommendations: ids.map((movieId) => ({ movieId, title: null, genres: [], predictedRating: 4 })),
    });
    expect(inServedTop(body, 11)).toBe(true);
    expect(inServedTop(body, 20)).toBe(true);
    expect(inServedTop(body, 21)).toBe(false);
    expect(inServedTop(body, 99)).toBe(false);
    expect(inServedTop(body, 13, 2)).toBe(false);
  });

  it("reads one role's counts from a pod's metrics, summed over its runs", () => {
    const text = [
      '# TYPE movie_reco_online_squared_error histogram',
      'movie_reco_online_squared_error_bucket{le="1",role="champion",run="a"} 3',
      'movie_reco_online_squared_error_sum{role="champion",run="a"} 2.5',
      'movie_reco_online_squared_error_count{role="champion",run="a"} 4',
      'movie_reco_online_squared_error_sum{role="challenger",run="b"} 1.25',
      'movie_reco_online_squared_error_count{role="challenger",run="b"} 4',
      'movie_reco_online_squared_error_sum{role="challenger",run="c"} 0.75',
      'movie_reco_online_squared_error_count{role="challenger",run="c"} 1',
      'movie_reco_online_served_ratings_total{role="challenger",run="b"} 3',
      'movie_reco_online_hits_total{role="challenger",run="b"} 2',
    ].join('\n');
    expect(onlineCountsFromMetrics(text, 'challenger')).toEqual({
      labels: 5,
      squaredErrorSum: 2,
      servedRatings: 3,
      hits: 2,
    });
    expect(onlineCountsFromMetrics(text, 'champion')).toEqual({
      labels: 4,
      squaredErrorSum: 2.5,
      servedRatings: 0,
      hits: 0,
    });
  });

  it("reads one role's answers, failures and p99 bucket over several pods", () => {
    const pod = (fast: number, slow: number, errors: number) =>
      [
        `movie_reco_model_answer_duration_seconds_bucket{le="0.001",role="challenger",run="b"} ${fast}`,
        `movie_reco_model_answer_duration_seconds_bucket{le="0.25",role="challenger",run="b"} ${fast + slow}`,
        `movie_reco_model_answer_duration_seconds_bucket{le="+Inf",role="challenger",run="b"} ${fast + slow}`,
        `movie_reco_model_answer_duration_seconds_count{role="challenger",run="b"} ${fast + slow}`,
        `movie_reco_model_answer_errors_total{role="challenger",run="b"} ${errors}`,
        'movie_reco_model_answer_duration_seconds_count{role="champion",run="a"} 5000',
      ].join('\n');
    expect(answerHealthFromMetrics([pod(600, 0, 1), pod(394, 6, 2)], 'challenger')).toEqual({
      answers: 1000,
      errors: 3,
      p99Ms: 1,
    });
    expect(answerHealthFromMetrics([pod(600, 0, 0), pod(380, 20, 0)], 'challenger').p99Ms).toBe(250);
    expect(answerHealthFromMetrics([], 'challenger')).toEqual({ answers: 0, errors: 0, p99Ms: null });
  });

  it("reads each live model's figures by its role and run: a run that held the role before is not counted", () => {
    const text = [
      'movie_reco_online_squared_error_sum{role="challenger",run="b"} 1.25',
      'movie_reco_online_squared_error_count{role="challenger",run="b"} 5',
      'movie_reco_online_squared_error_sum{role="challenger",run="old"} 9',
      'movie_reco_online_squared_error_count{role="challenger",run="old"} 1',
      'movie_reco_online_served_ratings_total{role="challenger",run="b"} 4',
      'movie_reco_online_hits_total{role="challenger",run="b"} 1',
      'movie_reco_model_answer_duration_seconds_bucket{le="0.005",role="challenger",run="b"} 10',
      'movie_reco_model_answer_duration_seconds_bucket{le="+Inf",role="challenger",run="b"} 10',
      'movie_reco_model_answer_duration_seconds_count{role="challenger",run="b"} 10',
      'movie_reco_model_answer_errors_total{role="challenger",run="b"} 1',
      'movie_reco_model_answer_duration_seconds_count{role="challenger",run="old"} 90',
    ].join('\n');
    expect(
      liveModelFigures(text, [
        { role: 'champion', run: 'a' },
        { role: 'challenger', run: 'b' },
      ]),
    ).toEqual([
      {
        role: 'champion',
        run: 'a',
        labels: 0,
        rmse: null,
        servedRatings: 0,
        hits: 0,
        hitRate: null,
        answers: 0,
        errors: 0,
        p99Ms: null,
      },
      {
        role: 'challenger',
        run: 'b',
        labels: 5,
        rmse: 0.5,
        servedRatings: 4,
        hits: 1,
        hitRate: 0.25,
        answers: 10,
        errors: 1,
        p99Ms: 5,
      },
    ]);
  });
});
