/** Which images the pod runner runs: the project's own, recognised by repository name. */

/**
 * The repository of an image reference, without tag or digest:
 * `registry.example:5000/team/movie-reco:0.1.0@sha256:...` -> `registry.example:5000/team/movie-reco`.
 */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@', 1)[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

/**
 * The image the chart, the kustomize manifests and the Dockerfile build: `movie-reco`, any tag,
 * from any registry or path (`ghcr.io/acme/movie-reco:0.1.0`).
 */
export const defaultImagePattern = /(^|\/)movie-reco$/;

export function isProjectImage(image: string | undefined, pattern: RegExp = defaultImagePattern): boolean {
  // A copy, so that a /g pattern's lastIndex never carries over between calls.
  return image !== undefined && image !== '' && new RegExp(pattern).test(imageRepository(image));
}
