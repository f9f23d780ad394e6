/** The end-to-end run's narrative: chapters and what happened, with the time since the start. */
export class StoryLog {
  readonly #started = Date.now();

  chapter(title: string): void {
    process.stdout.write(`\n[${this.#clock()}] == ${title}\n`);
  }

  say(text: string, fields?: Record<string, unknown>): void {
    const detail = fields
      ? ` ${Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')}`
      : '';
    process.stdout.write(`[${this.#clock()}]    ${text}${detail}\n`);
  }

  #clock(): string {
    return `+${((Date.now() - this.#started) / 1000).toFixed(1).padStart(6)}s`;
  }
}
