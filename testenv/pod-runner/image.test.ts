import { describe, expect, it } from 'vitest';
import { imageRepository, isProjectImage } from './image.ts';

describe('the project image', () => {
  it('is the repository without tag or digest', () => {
    expect(imageRepository('movie-reco')).toBe('movie-reco');
    expect(imageRepository('movie-reco:0.1.0')).toBe('movie-reco');
    expect(imageRepository('registry.example:5000/team/movie-reco:0.1.0@sha256:abc')).toBe(
      'registry.example:5000/team/movie-reco',
    );
    expect(imageRepository('localhost:5000/movie-reco')).toBe('localhost:5000/movie-reco');
  });

  it('matches movie-reco under any tag and registry, and nothing else', () => {
    for (const image of [
      'movie-reco',
      'movie-reco:e2e',
      'ghcr.io/acme/movie-reco:0.1.0',
      'localhost:5000/movie-reco@sha256:00',
    ])
      expect(isProjectImage(image)).toBe(true);
    for (const image of [
      'nginx:1.27',
      'movie-reco-evil:1',
      'acme/not-movie-reco',
      'movie-reco.example/nginx:1',
      '',
      undefined,
    ])
      expect(isProjectImage(image)).toBe(false);
  });

  it('takes another pattern, even a global one, without carrying state between calls', () => {
    const pattern = /(^|\/)trainer$/g;
    expect(isProjectImage('acme/trainer:1', pattern)).toBe(true);
    expect(isProjectImage('acme/trainer:2', pattern)).toBe(true);
  });
});
