/**
 * The MovieLens releases the downloader knows, with checksums pinned from two independent
 * public records of GroupLens's files: md5 values as GroupLens publishes them beside each zip
 * (<name>.zip.md5), sha256 and byte sizes as recorded by TensorFlow Datasets. None was found
 * for ml-10m's sha256 and size, nor for ml-latest-small's md5: those are checked by what is
 * pinned, and the md5 also against GroupLens's .md5 file when nothing else is pinned.
 */
export interface MovieLensRelease {
  readonly name: MovieLensName;
  readonly md5?: string;
  readonly sha256?: string;
  readonly sizeBytes?: number;
}

export const GROUPLENS_BASE_URL = 'https://files.grouplens.org/datasets/movielens';

export const MOVIELENS_NAMES = ['ml-latest-small', 'ml-100k', 'ml-1m', 'ml-10m', 'ml-20m', 'ml-25m'] as const;
export type MovieLensName = (typeof MOVIELENS_NAMES)[number];

export const MOVIELENS_RELEASES: Readonly<Record<MovieLensName, MovieLensRelease>> = {
  'ml-latest-small': {
    name: 'ml-latest-small',
    sha256: '696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436',
    sizeBytes: 978_202,
  },
  'ml-100k': {
    name: 'ml-100k',
    md5: '0e33842e24a9c977be4e0107933c0723',
    sha256: '50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229',
    sizeBytes: 4_924_029,
  },
  'ml-1m': {
    name: 'ml-1m',
    md5: 'c4d9eecfca2ab87c1945afe126590906',
    sha256: 'a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20',
    sizeBytes: 5_917_549,
  },
  'ml-10m': {
    name: 'ml-10m',
    md5: 'ce571fd55effeba0271552578f2648bd',
  },
  'ml-20m': {
    name: 'ml-20m',
    md5: 'cd245b17a1ae2cc31bb14903e1204af3',
    sha256: '96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3',
    sizeBytes: 198_702_078,
  },
  'ml-25m': {
    name: 'ml-25m',
    md5: '6b51fb2759a8657d3bfcbfc42b592ada',
    sha256: '8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa',
    sizeBytes: 261_978_986,
  },
};

export function isMovieLensName(name: string): name is MovieLensName {
  return (MOVIELENS_NAMES as readonly string[]).includes(name);
}
