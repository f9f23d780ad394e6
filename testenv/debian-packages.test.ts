import { describe, expect, it } from 'vitest';
import { missingDebianPackages, requireProgram } from './debian-packages.ts';

describe('the Debian packages of the test environment', () => {
  it('asks dpkg which of a list are missing', async () => {
    expect(await missingDebianPackages(['dpkg', 'movie-reco-no-such-package', 'coreutils'])).toEqual([
      'movie-reco-no-such-package',
    ]);
  });

  it('names the install step when a program is missing', () => {
    expect(requireProgram('sh', 'dash')).toMatch(/\/sh$/);
    expect(() => requireProgram('movie-reco-no-such-program', 'some-package')).toThrow(
      "movie-reco-no-such-program is missing (Debian's some-package); " +
        "install the test environment's packages once: npm run testenv -- install",
    );
  });
});
