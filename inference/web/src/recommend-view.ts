/**
 * Recommend: a visitor rates a few movies (found by title) and sees recommendations folded in
 * from those ratings after each one; or a known user (MovieLens id) sees theirs, and may rate
 * (stored, so it needs write credentials). Any movie opens its nearest neighbours.
 */
import { api, ApiError, describeError, type FoundMovie, type Movie, type Recommendations } from './api.ts';
import { count, h, notice, percent, uid } from './dom.ts';

interface Rated {
  movieId: number;
  title: string | null;
  rating: number;
}

const RECOMMENDATIONS = 10;
const SEARCH_RESULTS = 8;
const STORAGE_KEY = 'movie-reco.visitor-ratings';

// Kept across views (and, for a visitor, across reloads of this tab).
const state = {
  mode: 'visitor' as 'visitor' | 'user',
  userId: null as number | null,
  visitor: new Map<number, Rated>(),
  /** Ratings given in this page as a known user (stored by the service). */
  user: new Map<number, Rated>(),
  query: '',
};
try {
  for (const r of JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '[]') as Rated[]) state.visitor.set(r.movieId, r);
} catch {
  // storage unavailable or corrupt: start empty
}

const ratings = (): Map<number, Rated> => (state.mode === 'visitor' ? state.visitor : state.user);

export function recommendView(main: HTMLElement): void {
  const searchId = uid('q');
  const userInputId = uid('user');
  const recsHeadingId = uid('recs');
  const similarHeadingId = uid('similar');
  const searchStatus = h('p', { class: 'muted', role: 'status' });
  const results = h('ul', { class: 'movies', 'aria-label': 'Search results' });
  const ratedList = h('ul', { class: 'movies compact', 'aria-label': 'Your ratings' });
  const ratedHeading = h('h3', {});
  const recsList = h('ol', { class: 'movies', 'aria-labelledby': recsHeadingId });
  const recsStatus = h('p', { class: 'muted', role: 'status' });
  const badge = h(
    'span',
    { class: 'badge', hidden: true, title: 'Nothing personal to go on: the popularity ranking' },
    'cold start · most popular',
  );
  const similarList = h('ol', { class: 'movies', 'aria-labelledby': similarHeadingId });
  const similarHeading = h('h2', { id: similarHeadingId, tabindex: -1 });
  const similarPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': similarHeadingId, hidden: true },
    h(
      'div',
      { class: 'panel-head' },
      similarHeading,
      h('button', { type: 'button', class: 'quiet', onclick: () => (similarPanel.hidden = true) }, 'Close'),
    ),
    similarList,
  );
  const userInput = h('input', {
    id: userInputId,
    type: 'number',
    min: 0,
    step: 1,
    inputmode: 'numeric',
    placeholder: 'e.g. 1',
    value: state.userId === null ? '' : String(state.userId),
  });
  const userForm = h(
    'form',
    { class: 'user-form', hidden: state.mode !== 'user' },
    h('label', { for: userInputId }, 'User id'),
    userInput,
    h('button', { type: 'submit' }, 'Show recommendations'),
  );
  userForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = Number(userInput.value);
    if (userInput.value === '' || !Number.isInteger(id) || id < 0) {
      recsStatus.textContent = 'A user id is a whole number, 0 or more.';
      return;
    }
    if (state.userId !== id) state.user.clear();
    state.userId = id;
    renderRated();
    syncAllStars();
    void refresh();
  });

  const modeName = uid('mode');
  const modeRadio = (mode: 'visitor' | 'user', label: string) => {
    const id = uid('mode');
    return h(
      'span',
      { class: 'choice' },
      h('input', {
        type: 'radio',
        name: modeName,
        id,
        value: mode,
        checked: state.mode === mode,
        onchange: () => setMode(mode),
      }),
      h('label', { for: id }, label),
    );
  };
  const setMode = (mode: 'visitor' | 'user') => {
    state.mode = mode;
    userForm.hidden = mode !== 'user';
    renderRated();
    syncAllStars();
    void refresh();
  };

  // ---- rating ----

  const starsName = uid('stars');
  const stars = (movie: Movie): HTMLElement => {
    const title = movie.title ?? `movie ${movie.movieId}`;
    const name = `${starsName}-${uid('g')}`;
    const group = h(
      'fieldset',
      { class: 'stars', 'data-movie': movie.movieId },
      h('legend', { class: 'sr-only' }, `Your rating of ${title}`),
    );
    for (let value = 1; value <= 5; value++) {
      const id = uid('star');
      group.append(
        h('input', { type: 'radio', class: 'sr-only', name, id, value, onchange: () => void rate(movie, value) }),
        h(
          'label',
          { for: id, title: `${value} star${value > 1 ? 's' : ''}` },
          h('span', { 'aria-hidden': 'true' }, '★'),
          h('span', { class: 'sr-only' }, `${value} star${value > 1 ? 's' : ''}`),
        ),
      );
    }
    syncStars(group);
    return group;
  };

  const syncStars = (group: HTMLElement) => {
    const rating = ratings().get(Number(group.dataset.movie))?.rating ?? 0;
    for (const input of group.querySelectorAll('input')) {
      input.checked = Number(input.value) === rating;
      input.nextElementSibling!.classList.toggle('on', Number(input.value) <= rating);
    }
  };
  const syncAllStars = () => main.querySelectorAll<HTMLElement>('.stars').forEach(syncStars);

  const rate = async (movie: Movie, rating: number) => {
    const entry = { movieId: movie.movieId, title: movie.title, rating };
    if (state.mode === 'user') {
      if (state.userId === null) {
        recsStatus.textContent = 'Choose a user id first.';
        syncAllStars();
        return;
      }
      try {
        await api.rate(state.userId, movie.movieId, rating);
      } catch (error) {
        const why =
          error instanceof ApiError && error.status === 401
            ? 'storing a rating needs write credentials'
            : describeError(error).text;
        recsStatus.textContent = `Not stored: ${why}`;
        syncAllStars();
        return;
      }
      state.user.set(movie.movieId, entry);
    } else {
      state.visitor.set(movie.movieId, entry);
      saveVisitor();
    }
    syncAllStars();
    renderRated();
    scheduleRefresh();
  };

  const saveVisitor = () => {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify([...state.visitor.values()]));
    } catch {
      // private mode: ratings simply do not survive a reload
    }
  };

  const renderRated = () => {
    const list = [...ratings().values()];
    ratedHeading.textContent =
      state.mode === 'visitor'
        ? `Your ratings (${list.length})`
        : `Rated here as user ${state.userId ?? '…'} (${list.length})`;
    ratedList.replaceChildren(
      ...list.map((r) => {
        const movie = { movieId: r.movieId, title: r.title, genres: [] };
        const remove =
          state.mode === 'visitor'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'quiet',
                  'aria-label': `Remove your rating of ${r.title ?? r.movieId}`,
                  onclick: () => {
                    state.visitor.delete(r.movieId);
                    saveVisitor();
                    renderRated();
                    syncAllStars();
                    scheduleRefresh();
                  },
                },
                'Remove',
              )
            : null;
        return h('li', {}, h('span', { class: 'title' }, r.title ?? `movie ${r.movieId}`), stars(movie), remove);
      }),
    );
    if (list.length === 0)
      ratedList.append(h('li', { class: 'muted' }, 'None yet: search for a movie you have seen and give it stars.'));
  };

  // ---- movies as rows ----

  const row = (movie: Movie, detail: (string | HTMLElement)[]): HTMLLIElement => {
    const title = movie.title ?? `movie ${movie.movieId}`;
    const meta = [...detail, ...movie.genres].flatMap((part, k) => (k ? [' · ', part] : [part]));
    return h(
      'li',
      { class: 'movie' },
      h('div', { class: 'info' }, h('span', { class: 'title' }, title), h('span', { class: 'meta' }, ...meta)),
      stars(movie),
      h(
        'button',
        {
          type: 'button',
          class: 'quiet',
          'aria-label': `Movies similar to ${title}`,
          onclick: () => void showSimilar(movie),
        },
        'Similar',
      ),
    );
  };

  // ---- search ----

  let searchTimer: number | undefined;
  let searching: AbortController | undefined;
  const search = async (text: string) => {
    state.query = text;
    searching?.abort();
    if (text.trim().length < 2) {
      results.replaceChildren();
      searchStatus.textContent = text.trim() ? 'Type at least two letters.' : '';
      return;
    }
    const controller = new AbortController();
    searching = controller;
    try {
      const { movies } = await api.searchMovies(text, SEARCH_RESULTS, controller.signal);
      if (controller.signal.aborted) return;
      results.replaceChildren(
        ...movies.map((m: FoundMovie) =>
          row(m, [m.ratings ? `${count(m.ratings)} rating${m.ratings > 1 ? 's' : ''}` : 'not in the model']),
        ),
      );
      searchStatus.textContent = movies.length
        ? `${movies.length} movie${movies.length > 1 ? 's' : ''} found`
        : `No title contains “${text}”.`;
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      results.replaceChildren();
      searchStatus.textContent =
        error instanceof ApiError && error.code === 'no_catalogue'
          ? 'Title search needs the movie catalogue, which the service reads from its database; this one has none.'
          : describeError(error).text;
    }
  };
  const searchInput = h('input', {
    id: searchId,
    type: 'search',
    autocomplete: 'off',
    placeholder: 'e.g. toy story',
    value: state.query,
  });
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void search(searchInput.value), 180) as unknown as number;
  });

  // ---- recommendations ----

  let sequence = 0;
  let refreshTimer: number | undefined;
  const scheduleRefresh = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void refresh(), 120) as unknown as number;
  };
  const refresh = async () => {
    const mine = ++sequence;
    let answer: Recommendations;
    try {
      if (state.mode === 'user') {
        if (state.userId === null) {
          recsList.replaceChildren();
          badge.hidden = true;
          recsStatus.textContent = 'Enter a MovieLens user id to see their recommendations.';
          return;
        }
        answer = await api.userRecommendations(state.userId, RECOMMENDATIONS);
      } else {
        answer = await api.visitorRecommendations(
          [...state.visitor.values()].map(({ movieId, rating }) => ({ movieId, rating })),
          RECOMMENDATIONS,
        );
      }
    } catch (error) {
      if (mine !== sequence) return;
      const { title, text } = describeError(error);
      recsList.replaceChildren();
      recsStatus.replaceChildren(notice(title, text, 'error'));
      return;
    }
    if (mine !== sequence) return;
    badge.hidden = !answer.coldStart;
    const rated = ratings().size;
    const ignored = 'ignoredMovieIds' in answer ? answer.ignoredMovieIds.length : 0;
    recsStatus.textContent = answer.coldStart
      ? state.mode === 'visitor'
        ? 'Nothing to go on yet: these are the most popular movies. Rate a few to make it yours.'
        : `User ${state.userId} is unknown to the model: these are the most popular movies.`
      : state.mode === 'visitor'
        ? `From your ${rated} rating${rated === 1 ? '' : 's'}` +
          `${ignored ? ` (${ignored} of movies the model does not know)` : ''}, folded into the model. ` +
          'Bars: predicted rating.'
        : `For user ${state.userId}${rated ? `, with the ${rated} rating${rated === 1 ? '' : 's'} given here` : ''}. ` +
          'Bars: predicted rating.';
    recsList.replaceChildren(
      ...answer.recommendations.map((m) => {
        const predicted = h(
          'span',
          { class: 'predicted', title: 'predicted rating, out of 5' },
          h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', {})),
          ` ${m.predictedRating.toFixed(1)}`,
          h('span', { class: 'sr-only' }, ' predicted, out of 5'),
        );
        (predicted.firstChild!.firstChild as HTMLElement).style.width = percent(
          Math.max(0, Math.min(1, (m.predictedRating - 0.5) / 4.5)),
        );
        return row(m, [predicted]);
      }),
    );
  };

  // ---- similar ----

  const showSimilar = async (movie: Movie) => {
    similarPanel.hidden = false;
    similarHeading.textContent = `Similar to ${movie.title ?? `movie ${movie.movieId}`}`;
    similarList.replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
    similarHeading.focus();
    try {
      const answer = await api.similar(movie.movieId, 10);
      similarList.replaceChildren(...answer.similar.map((m) => row(m, [`similarity ${m.similarity.toFixed(2)}`])));
    } catch (error) {
      const { title, text } = describeError(error);
      similarList.replaceChildren(
        h(
          'li',
          {},
          notice(
            title,
            error instanceof ApiError && error.code === 'unknown_movie'
              ? 'the model does not know this movie, so it has no neighbours.'
              : text,
            'error',
          ),
        ),
      );
    }
  };

  main.append(
    h('h1', {}, 'Recommend'),
    h(
      'fieldset',
      { class: 'mode' },
      h('legend', {}, 'Recommend for'),
      modeRadio('visitor', 'A visitor (you)'),
      modeRadio('user', 'A known user'),
      userForm,
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': `${searchId}-h` },
        h('h2', { id: `${searchId}-h` }, 'Rate movies'),
        h('label', { for: searchId }, 'Search movies by title'),
        searchInput,
        searchStatus,
        results,
        ratedHeading,
        ratedList,
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': recsHeadingId },
        h('div', { class: 'panel-head' }, h('h2', { id: recsHeadingId }, 'Recommendations'), badge),
        recsStatus,
        recsList,
      ),
    ),
    similarPanel,
  );
  renderRated();
  if (state.query) void search(state.query);
  void refresh();
}
