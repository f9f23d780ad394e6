import { UsageError } from './usage-error.ts';

/** Reads a numeric flag; absent gives undefined, anything but a finite number in range is a usage error. */
export function numberOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  { integer = false, min = -Infinity, max = Infinity }: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const kind = integer ? 'an integer' : 'a number';
    throw new UsageError(`--${name} must be ${kind} in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function requiredString(values: Record<string, string | boolean | undefined>, name: string): string {
  const raw = values[name];
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`--${name} is required`);
  return raw;
}
