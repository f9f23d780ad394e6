import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { HttpError } from './http-error.ts';

/** A credential kept only as the sha256 of its canonical form, so comparisons are fixed-length. */
export interface Credential {
  scheme: 'basic' | 'bearer';
  /** Username for basic, for logs; bearer tokens have none. */
  principal: string | undefined;
  digest: Buffer;
}

export type Scope = 'read' | 'write' | 'admin';
export interface AuthConfig extends Record<Scope, Credential[]> {
  /** Whether a write scope without credentials is open (true) or refuses every write (false). */
  anonymousWrites: boolean;
}

export const openAuth: AuthConfig = { read: [], write: [], admin: [], anonymousWrites: true };

const hash = (text: string): Buffer => createHash('sha256').update(text).digest();

/** "basic:USER:PASSWORD" or "bearer:TOKEN"; the error never repeats the secret. */
export function parseCredential(text: string): Credential {
  if (text.startsWith('basic:')) {
    const rest = text.slice('basic:'.length);
    const colon = rest.indexOf(':');
    if (colon <= 0 || colon === rest.length - 1)
      throw new Error('a basic credential is basic:USER:PASSWORD with both parts non-empty');
    return { scheme: 'basic', principal: rest.slice(0, colon), digest: hash(`basic:${rest}`) };
  }
  if (text.startsWith('bearer:') && text.length > 'bearer:'.length) {
    return { scheme: 'bearer', principal: undefined, digest: hash(text) };
  }
  throw new Error('each credential is basic:USER:PASSWORD or bearer:TOKEN');
}

export function parseCredentialList(texts: string[]): Credential[] {
  return texts.map(parseCredential);
}

/** The canonical form of the Authorization header, or undefined when it has none we accept. */
function presented(header: string | undefined): { canonical: string; scheme: 'basic' | 'bearer' } | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return { canonical: `bearer:${value}`, scheme: 'bearer' };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    if (!decoded.includes(':')) return undefined;
    return { canonical: `basic:${decoded}`, scheme: 'basic' };
  }
  return undefined;
}

/**
 * The middleware that guards a scope, to spread before a route's handler: none when the scope is
 * open (a pass-through layer would still cost a dispatch per request), else one that lets a
 * request through when the Authorization header matches one of the scope's credentials. Every
 * candidate is compared (timingSafeEqual over sha256 digests), so the time taken says nothing
 * about which credential came close. ctx.state.principal names who it was, never the secret.
 */
export function scopeGuard(credentials: Credential[]): Middleware[] {
  if (credentials.length === 0) return [];
  return [requireCredential(credentials)];
}

function requireCredential(credentials: Credential[]): Middleware {
  return (ctx, next) => {
    const given = presented(ctx.get('authorization') || undefined);
    let match: Credential | undefined;
    if (given) {
      const digest = hash(given.canonical);
      for (const credential of credentials) {
        if (timingSafeEqual(digest, credential.digest) && !match) match = credential;
      }
    }
    if (!match) {
      ctx.set('WWW-Authenticate', 'Basic realm="movie-reco", Bearer realm="movie-reco"');
      throw new HttpError(
        401,
        'unauthorized',
        given ? 'the credentials are not accepted' : 'credentials are required (HTTP basic or bearer)',
      );
    }
    ctx.state.principal = match.principal ?? `${match.scheme}-token`;
    return next();
  };
}
