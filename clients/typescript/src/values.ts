/**
 * How values travel between JavaScript and credits.
 *
 * Reading: every query of CreditsClient passes its own type parsers (the query's
 * `types`), so the app's global `pg.types.setTypeParser(...)` never reaches our
 * results and we never change it: numeric is an exact string, bigint a string,
 * timestamptz a Date, jsonb parsed (amount-bearing JSON such as a ledger entry's
 * `grants` with its numbers kept as exact strings), arrays parsed element by element.
 *
 * Writing: amounts go as strings cast to numeric; JSON as JSON.stringify(...) cast
 * to jsonb (never node-postgres' own conversion, which turns JS arrays into
 * PostgreSQL arrays).
 */
import type { CustomTypesConfig } from 'pg';
import { parse as parseArray } from 'postgres-array';
import parseTimestamp = require('postgres-date');

/** jsonb as it arrives, parsed once we know the column (see rowMapper). */
class RawJson {
  constructor(readonly text: string) {}
}

const identity = (value: string): string => value;
const parseBool = (value: string): boolean => value === 't' || value === 'true';
const parseInt4 = (value: string): number => Number(value);
const parseDate = (value: string): Date => {
  const d = parseTimestamp(value);
  // postgres-date gives a number for 'infinity'; credits stores no infinite time.
  return d instanceof Date ? d : new Date(d as number);
};
const array = <T>(element: (value: string) => T) => (value: string): (T | null)[] =>
  parseArray(value, (v: string) => element(v) as T) as (T | null)[];

const parsers = new Map<number, (value: string) => unknown>([
  [16, parseBool], // bool
  [20, identity], // int8: a string, like every bigint we return
  [21, parseInt4], // int2
  [23, parseInt4], // int4
  [25, identity], // text
  [26, parseInt4], // oid
  [1043, identity], // varchar
  [1700, identity], // numeric: exact string
  [1114, parseDate], // timestamp
  [1184, parseDate], // timestamptz
  [1186, identity], // interval: PostgreSQL's text form
  [114, (v: string) => new RawJson(v)], // json
  [3802, (v: string) => new RawJson(v)], // jsonb
  [1000, array(parseBool)],
  [1005, array(parseInt4)],
  [1007, array(parseInt4)],
  [1009, array(identity)], // text[]
  [1015, array(identity)], // varchar[]
  [1016, array(identity)], // int8[]
  [1231, array(identity)], // numeric[]
  [1185, array(parseDate)], // timestamptz[]
  [1187, array(identity)], // interval[]
]);

/** The `types` of every query CreditsClient runs; anything unlisted stays a string. */
export const queryTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number) => parsers.get(oid) ?? identity) as CustomTypesConfig['getTypeParser'],
};

/**
 * JSON.parse, with every number kept as its exact text: for JSON whose numbers
 * are amounts or bigint counts (a ledger entry's `grants`, a summary as JSON).
 */
export function parseJsonExact(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      // copy the string, escapes included
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9eE+\-.]/.test(text[j] as string)) j++;
      out += '"' + text.slice(i, j) + '"';
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return JSON.parse(out);
}

/** Columns whose JSON holds amounts or bigint counts: their numbers become exact strings. */
const exactJsonColumns = new Set(['grants', 'usage_this_month', 'requests_by_endpoint']);

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** A result row with camelCase keys and its JSON parsed. */
export function mapRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    let v = value;
    if (v instanceof RawJson) {
      if (exactJsonColumns.has(key)) {
        v = parseJsonExact(v.text);
        if (key === 'usage_this_month' && v !== null && typeof v === 'object') v = camelKeys(v as Record<string, unknown>);
      } else {
        v = JSON.parse(v.text);
      }
    }
    out[camel(key)] = v;
  }
  return out;
}

function camelKeys(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k === 'requests_by_endpoint' ? 'requestsByEndpoint' : camel(k)] = v;
  return out;
}

/** What an amount may be given as. Decimals as strings ('12.50') or decimal objects, never floats. */
export type AmountInput = string | number | bigint | DecimalLike;

/** decimal.js, big.js, bignumber.js and the like: anything whose toFixed() gives plain notation. */
export interface DecimalLike {
  toFixed(): string;
}

/** An amount as the exact text sent to PostgreSQL (cast to numeric there). */
export function amountText(value: AmountInput | null | undefined, name: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    throw new TypeError(
      `${name}: ${value} is not a safe integer; pass decimal amounts as strings ('12.50') or decimal objects, never floats`,
    );
  }
  if (typeof value === 'object' && typeof (value as DecimalLike).toFixed === 'function') return (value as DecimalLike).toFixed();
  throw new TypeError(`${name}: expected a string, a safe integer, a bigint or a decimal object`);
}

/** A whole count (tokens, requests) as text for a bigint or int parameter. */
export function countText(value: number | bigint | string | null | undefined, name: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value;
  if (Number.isSafeInteger(value)) return String(value);
  throw new TypeError(`${name}: ${value} is not a whole number`);
}

/** A count as a JSON number (batch operations want token counts and requests as numbers). */
export function countNumber(value: number | bigint | string | null | undefined, name: string): number | null | undefined {
  if (value === undefined || value === null) return value;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || (typeof value !== 'number' && String(n) !== String(value).trim())) {
    throw new TypeError(`${name}: ${String(value)} is not a whole number a batch can carry`);
  }
  return n;
}

/** A duration: PostgreSQL interval text ('30 days', 'P30D') or a number of seconds. */
export type DurationInput = string | number;

export function durationText(value: DurationInput | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  return typeof value === 'number' ? `${value} seconds` : value;
}

/** A moment: a Date or an ISO 8601 string. */
export type TimeInput = Date | string;

export function timeText(value: TimeInput | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('invalid Date');
    return value.toISOString();
  }
  return value;
}

/** JSON for a jsonb parameter, stringified by us (node-postgres would send JS arrays as PostgreSQL arrays). */
export function jsonText(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return value as null | undefined;
  return JSON.stringify(value);
}
