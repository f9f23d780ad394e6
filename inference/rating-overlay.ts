/**
 * Ratings acknowledged by this process since it started, by user (external ids), so that a user's
 * next answers take them into account before the next training run. Keyed by external ids, it
 * survives model swaps; a rating the new model already learned from gives the same profile again.
 */
export class RatingOverlay {
  readonly #byUser = new Map<number, Map<number, number>>();

  add(userId: number, movieId: number, rating: number): void {
    let ratings = this.#byUser.get(userId);
    if (!ratings) this.#byUser.set(userId, (ratings = new Map()));
    ratings.delete(movieId);
    ratings.set(movieId, rating);
  }

  /** movieId -> rating, oldest first; undefined when the user has rated nothing here. */
  ratingsOf(userId: number): ReadonlyMap<number, number> | undefined {
    return this.#byUser.get(userId);
  }

  get users(): number {
    return this.#byUser.size;
  }
}
