import type { Context } from 'koa';
import type { z } from 'zod';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * The one way an answer's JSON is written: a body already serialized, with the header Koa would
 * give an object, set directly (Koa's `ctx.type` and object bodies look the type up through
 * mime-types on every request). The status is left to Koa (200) unless given.
 */
export function sendJson(ctx: Context, json: string, status?: number): void {
  if (status !== undefined) ctx.status = status;
  ctx.set('Content-Type', JSON_CONTENT_TYPE);
  ctx.body = json;
}

/**
 * Sends `body`, typed by the api-shapes.ts schema it answers with (times as Dates, written as
 * JSON.stringify writes them, which is the schema's JSON side). Nothing is parsed: the type is the check.
 */
export function reply<S extends z.ZodType>(ctx: Context, _shape: S, body: z.output<S>, status?: number): void {
  sendJson(ctx, JSON.stringify(body), status);
}
