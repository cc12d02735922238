import { SyncJobStartError } from "./errors";

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Largest accepted triggers value, as canonical JSON. */
export const MAX_TRIGGERS_BYTES = 64 * 1024;
/** Deepest accepted nesting; deeper values are almost always a mistake (or a cycle in disguise). */
export const MAX_TRIGGERS_DEPTH = 64;

/** Why a triggers value is not JSON; `at` is a path like `triggers.schema[2]`. */
export class TriggersValueError extends SyncJobStartError {
    override name = "TriggersValueError";
    constructor(
        readonly at: string,
        readonly reason: string,
    ) {
        super(`${at} ${reason}`);
    }
}

function isPlainObject(v: object): boolean {
    const proto = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null;
}

/**
 * Returns `value` as canonical JSON data: object keys sorted, members that are `undefined` dropped
 * (as JSON.stringify drops them), `toJSON` applied (Dates become ISO strings). Throws
 * TriggersValueError for what JSON cannot hold: functions, symbols, bigint, NaN/Infinity, cycles,
 * class instances, `undefined` inside arrays, nesting deeper than MAX_TRIGGERS_DEPTH.
 */
export function canonicalize(value: unknown, at = "triggers"): JsonValue {
    const seen = new Set<object>();
    const walk = (v: unknown, path: string, depth: number): JsonValue => {
        if (depth > MAX_TRIGGERS_DEPTH) throw new TriggersValueError(path, `is nested deeper than ${MAX_TRIGGERS_DEPTH} levels`);
        if (v === null || typeof v === "boolean" || typeof v === "string") return v;
        if (typeof v === "number") {
            if (!Number.isFinite(v)) throw new TriggersValueError(path, `is ${v}, which JSON cannot hold`);
            return Object.is(v, -0) ? 0 : v;
        }
        if (typeof v === "bigint") throw new TriggersValueError(path, "is a bigint, which JSON cannot hold (use a string)");
        if (typeof v === "function")
            throw new TriggersValueError(path, "is a function; triggers must be data (call it, or use its result)");
        if (typeof v === "symbol") throw new TriggersValueError(path, "is a symbol, which JSON cannot hold");
        if (v === undefined) throw new TriggersValueError(path, "is undefined, which JSON cannot hold (use null)");
        const obj = v as object;
        if (seen.has(obj)) throw new TriggersValueError(path, "refers back to itself (a cycle); triggers must be a tree of data");
        if (typeof (obj as { toJSON?: unknown }).toJSON === "function") {
            return walk((obj as { toJSON: () => unknown }).toJSON(), path, depth + 1);
        }
        seen.add(obj);
        try {
            if (Array.isArray(obj)) return obj.map((item, i) => walk(item, `${path}[${i}]`, depth + 1));
            if (!isPlainObject(obj)) {
                const name = (obj as { constructor?: { name?: string } }).constructor?.name ?? "object";
                throw new TriggersValueError(
                    path,
                    `is a ${name} instance; triggers must be plain data (objects, arrays, strings, numbers, booleans, null)`,
                );
            }
            const out: { [key: string]: JsonValue } = {};
            for (const key of Object.keys(obj).sort()) {
                const member = (obj as Record<string, unknown>)[key];
                if (member === undefined) continue;
                const value = walk(
                    member,
                    /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
                    depth + 1,
                );
                // defineProperty: a key named "__proto__" is data here, not a prototype to set.
                Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
            }
            return out;
        } finally {
            seen.delete(obj);
        }
    };
    return walk(value, at, 0);
}

/** Canonical JSON text of a value (keys sorted at every level). */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(canonicalize(value));
}

/** Size check applied after canonicalization; returns a reason or undefined. */
export function sizeProblem(canonical: JsonValue): string | undefined {
    const bytes = Buffer.byteLength(JSON.stringify(canonical));
    return bytes > MAX_TRIGGERS_BYTES
        ? `is ${bytes} bytes as JSON, over the ${MAX_TRIGGERS_BYTES}-byte limit; pass a digest instead (e.g. a sha256 of the content that should start the job)`
        : undefined;
}

/** Whether two triggers values are the same data, whatever the key order. Both absent counts as equal. */
export function triggersEqual(a: unknown, b: unknown): boolean {
    if (a === undefined || b === undefined) return a === b;
    return canonicalJson(a) === canonicalJson(b);
}
