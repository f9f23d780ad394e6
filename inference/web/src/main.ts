/** The page: three views behind hash links (#recommend, #models, #data), all from this service's API. */
import './style.css';
import { api } from './api.ts';
import { dataView } from './data-view.ts';
import { modelsView } from './models-view.ts';
import { recommendView } from './recommend-view.ts';

const views: Record<string, (main: HTMLElement) => void> = {
  recommend: recommendView,
  models: modelsView,
  data: dataView,
};

function show(focus: boolean): void {
  const name = location.hash.slice(1) in views ? location.hash.slice(1) : 'recommend';
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (link.hash === `#${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const main = document.getElementById('main')!;
  main.replaceChildren();
  views[name]!(main);
  document.title = `${name[0]!.toUpperCase()}${name.slice(1)} · movie-reco`;
  // After a click on a view link, move focus to the new content (screen readers announce it).
  if (focus) main.focus();
}

async function showServing(): Promise<void> {
  const status = document.getElementById('serving')!;
  try {
    const model = await api.model();
    status.textContent = `serving ${model.run}`;
    status.title = `${model.model} ${model.digest}, trained ${model.trainedAt}`;
  } catch {
    status.textContent = 'no model loaded';
  }
}

addEventListener('hashchange', () => show(true));
show(false);
void showServing();
